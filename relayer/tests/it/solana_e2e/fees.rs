//! Delivery fees on a Solana -> EVM route: the relayer (default policy `paid`) reads the
//! program's `GasPaid` self-CPI events, those of a send that pays the quote and those of a
//! `pay_for_gas` top-up, and holds a message `underpaid` until what was paid for it covers
//! the origin's quote.

use trestle_bridge::FeeConfig;
use trestle_bridge::solana::send::send_paying;
use trestle_core::chain::TxId;

use super::*;

/// A fee configuration for deliveries to the EVM domain (a transfer costs a few million
/// lamports).
fn to_evm() -> FeeConfig {
    FeeConfig {
        gas_price: 2 * 10u128.pow(18),
        exchange_rate: 2 * 10u128.pow(10),
        fixed_cost: 10u128.pow(12),
        message_gas: 60_000,
        signatures_gas: 20_000,
        transfer_gas: 90_000,
        gas_per_byte: 16,
        last_update: 0,
    }
}

/// A transfer sent while the route was free is held `underpaid` once the program charges for
/// it (a fee configuration set after the send), while one sent paying the quote is delivered;
/// a `pay_for_gas` top-up of the quote gets the first delivered too, exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_underpaid_transfer_from_solana_is_delivered_on_evm_after_a_pay_for_gas_top_up() {
    let SplFromSolana {
        sol,
        anvil,
        chain,
        keys,
        validator_addrs,
        user,
        mint,
        token,
        bridge,
        wrapped,
    } = spl_from_solana(31_342).await;

    let beneficiary = Address::from([0x43; 20]);
    let mut padded = [0u8; 32];
    padded[12..].copy_from_slice(beneficiary.as_slice());
    let params = |amount| SendParams {
        sender: user.pubkey(),
        token_id: token,
        mint,
        sender_token: get_associated_token_address(&user.pubkey(), &mint, &TOKEN_PROGRAM_ID)
            .unwrap(),
        kind: TokenKind::Home,
        destination: DOMAIN_EVM,
        beneficiary: padded,
        amount,
    };
    // Sent while the route is free: nothing paid.
    let (unpaid_amount, paid_amount) = (2_500_000u64, 1_000_000u64);
    sol.land(&user, vec![send_ix(&sol.program, &params(unpaid_amount))])
        .await;
    // Then the program charges for deliveries to EVM; the second transfer pays the quote.
    sol.govern(&[Action::SetFeeConfig {
        destination: DOMAIN_EVM,
        config: to_evm(),
    }])
    .await;
    let quote = u64::try_from(to_evm().quote_transfer().unwrap()).unwrap();
    assert!(quote > 0);
    let vault = sol.program.fee_vault();
    let vault_before = sol.client.balance(&vault).await.unwrap();
    sol.land(
        &user,
        vec![send_paying(&sol.program, &params(paid_amount), quote)],
    )
    .await;
    assert_eq!(
        sol.client.balance(&vault).await.unwrap(),
        vault_before + quote,
        "the send paid the quote"
    );

    // Validators and the relayer start once the fee is configured: the relayer's first quote
    // is the program's fee (a free quote read earlier would be kept for a while).
    let chains = || {
        vec![
            sol.chain_config("sol", SolanaCommitment::Finalized),
            trestle_relayer_harness::daemons::chain_config("evm", DOMAIN_EVM, &anvil, bridge),
        ]
    };
    let placeholder = placeholder_endpoints(&validator_addrs);
    let (validators, _dirs) = start_validators(&keys, &chains, &placeholder, 2).await;
    let endpoints = live_endpoints(&placeholder, &validators);
    let relayer_dir = tempfile::tempdir().unwrap();
    let relayer = Daemon::start(
        config(relayer_dir.path(), chains(), endpoints, false, true),
        Keys {
            validator: None,
            relayer: Some(signer(2)),
            relayer_solana: None,
            fee_oracle: None,
        },
        "r1",
    )
    .await
    .unwrap();
    let store = relayer.store();
    let by_nonce = |nonce: u64| async move {
        store
            .list(&Default::default())
            .await
            .unwrap()
            .into_iter()
            .find(|m| m.nonce == nonce)
    };

    // The paid transfer (nonce 1) is delivered; the unpaid one (nonce 0) is held.
    eventually(240, "the paid transfer minted on EVM", || async {
        (balance_of(&chain, wrapped, beneficiary).await == U256::from(paid_amount)).then_some(())
    })
    .await;
    let held = eventually(60, "the unpaid transfer held underpaid", || async {
        by_nonce(0)
            .await
            .filter(|m| m.state == MessageState::Underpaid)
    })
    .await;
    assert_eq!(
        store
            .paid(&[(held.id, held.origin, held.destination)])
            .await
            .unwrap()
            .get(&held.id),
        None,
        "nothing was paid for it"
    );
    let paid_id = by_nonce(1).await.unwrap().id;
    assert_eq!(
        store
            .paid(&[(paid_id, held.origin, held.destination)])
            .await
            .unwrap()
            .get(&paid_id),
        Some(&u128::from(quote)),
        "the GasPaid of the paying send is recorded"
    );
    assert!(
        held.last_error.is_some(),
        "an underpaid message says why: {held:?}"
    );
    // Held: more passes deliver nothing more.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        balance_of(&chain, wrapped, beneficiary).await,
        U256::from(paid_amount)
    );
    assert_eq!(by_nonce(0).await.unwrap().state, MessageState::Underpaid);

    // Anyone tops it up with the quote (a transaction without a message).
    let topper = SolanaSigner::generate().unwrap();
    sol.fund(&topper.pubkey()).await;
    let top_up = sol
        .land(
            &topper,
            vec![
                sol.program
                    .pay_for_gas(&topper.pubkey(), &held.id, DOMAIN_EVM, quote),
            ],
        )
        .await;
    assert!(matches!(top_up.id, TxId::Solana(_)));
    eventually(240, "the topped-up transfer minted on EVM", || async {
        (balance_of(&chain, wrapped, beneficiary).await == U256::from(paid_amount + unpaid_amount))
            .then_some(())
    })
    .await;
    assert_eq!(
        store
            .paid(&[(held.id, held.origin, held.destination)])
            .await
            .unwrap()
            .get(&held.id),
        Some(&u128::from(quote)),
        "the top-up is recorded once"
    );
    eventually(60, "both messages delivered in the store", || async {
        let all = store.list(&Default::default()).await.unwrap();
        (all.len() == 2 && all.iter().all(|m| m.state == MessageState::Delivered)).then_some(())
    })
    .await;
    // Exactly once, after more passes.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        balance_of(&chain, wrapped, beneficiary).await,
        U256::from(paid_amount + unpaid_amount)
    );
    relayer.shutdown().await;
    for v in validators {
        v.shutdown().await;
    }
}
