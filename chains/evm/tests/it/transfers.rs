//! Value and token transfers through the chain traits and the sender.

use trestle_core::chain::{
    Chain, FeeSuggestion, Submitter, TxContext, TxStatus, U256, UniversalAddress,
};
use trestle_core::evm::{EvmAddress, TypedTransaction};
use trestle_evm::{CapPolicy, Erc20, Error, EvmChain, EvmSender, FeeModel, TxRequest};

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anvil_send_eth_through_the_traits() {
    let anvil = anvil();
    let chain = chain(&anvil).await;
    assert_eq!(chain.info().chain_id, 31_337);
    let sender = EvmSender::new(chain.clone(), dev_signer(&anvil, 0));
    let recipient = EvmAddress([0x42; 20]);
    let to = UniversalAddress::from_evm(recipient.0);
    assert_eq!(chain.native_balance(&to).await.unwrap(), U256::ZERO);
    let from = UniversalAddress::from_evm(sender.address().0);
    let TxContext::Evm {
        nonce: before,
        chain_id,
    } = chain.tx_context(&from).await.unwrap()
    else {
        panic!("not an EVM context")
    };
    assert_eq!(chain_id, 31_337);

    let fees = chain.suggest_fees().await.unwrap();
    assert!(
        matches!(fees, FeeSuggestion::Eip1559 { max_fee_per_gas, max_priority_fee_per_gas, base_fee_per_gas }
        if max_fee_per_gas >= base_fee_per_gas * 2 && max_fee_per_gas >= max_priority_fee_per_gas)
    );

    let pending = sender
        .send(TxRequest::transfer(recipient, ether(1)))
        .await
        .unwrap();
    assert!(matches!(pending.transaction, TypedTransaction::Eip1559(_)));
    let status = chain.wait(&pending.id(), true, WAIT).await.unwrap();
    assert!(matches!(status, TxStatus::Finalized { .. }), "{status:?}");
    assert_eq!(chain.native_balance(&to).await.unwrap(), ether(1));
    let TxContext::Evm { nonce: after, .. } = chain.tx_context(&from).await.unwrap() else {
        panic!("not an EVM context")
    };
    assert_eq!(after, before + 1);
    assert_eq!(
        chain.finalized_height().await.unwrap(),
        chain.latest_height().await.unwrap()
    );

    // The raw path of the Submitter trait: a resubmission of the same bytes is "already known"
    // or "nonce too low", never a second transfer.
    let again = chain.submit_raw(&pending.raw).await;
    match again {
        Ok(id) => assert_eq!(id, pending.id()),
        Err(e) => assert!(
            matches!(e, trestle_core::Error::TransactionRejected { .. }),
            "{e}"
        ),
    }
    assert_eq!(chain.native_balance(&to).await.unwrap(), ether(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anvil_legacy_fee_model_sends_type_0() {
    let anvil = anvil();
    let mut config = config(vec![anvil.url().to_owned()]);
    config.fee_model = FeeModel::Legacy;
    let chain = std::sync::Arc::new(EvmChain::connect(config).await.unwrap());
    assert!(
        matches!(chain.suggest_fees().await.unwrap(), FeeSuggestion::Legacy { gas_price } if gas_price > 0)
    );
    let sender = EvmSender::new(chain.clone(), dev_signer(&anvil, 1));
    let (pending, receipt) = sender
        .send_and_wait(
            TxRequest::transfer(EvmAddress([7; 20]), U256::from(5u64)),
            WAIT,
        )
        .await
        .unwrap();
    assert!(matches!(pending.transaction, TypedTransaction::Legacy(_)));
    assert!(receipt.success);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anvil_fee_ceiling_refuses_or_clamps() {
    let anvil = anvil();
    let mut config = config(vec![anvil.url().to_owned()]);
    config.fees.max_fee_per_gas = 1_000; // far below anvil's base fee
    config.fees.min_priority_fee_per_gas = 0;
    let chain = std::sync::Arc::new(EvmChain::connect(config.clone()).await.unwrap());
    let sender = EvmSender::new(chain.clone(), dev_signer(&anvil, 2));
    let err = sender
        .send(TxRequest::transfer(EvmAddress([7; 20]), U256::from(1u64)))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::FeeCeiling { ceiling: 1_000, .. }),
        "{err}"
    );
    assert!(err.is_retryable());
    // Through the trait it is a retryable rejection.
    let core: trestle_core::Error = chain.suggest_fees().await.unwrap_err();
    assert!(core.is_retryable(), "{core}");

    config.fees.on_ceiling = CapPolicy::Clamp;
    let chain = EvmChain::connect(config).await.unwrap();
    let (fees, _) = chain.estimate_fees().await.unwrap();
    assert_eq!(fees.max_per_gas(), 1_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anvil_erc20_deploy_transfer_approve() {
    let anvil = anvil();
    let chain = chain(&anvil).await;
    let sender = EvmSender::new(chain.clone(), dev_signer(&anvil, 0));
    let (token_address, _) = deploy_token(&sender, ether(1_000)).await;
    let token = Erc20::new(token_address);
    let alice = dev_address(&anvil, 1);

    assert_eq!(token.decimals(&chain).await.unwrap(), 18);
    assert_eq!(
        token.balance_of(&chain, sender.address()).await.unwrap(),
        ether(1_000)
    );
    let pending = token.transfer(&sender, alice, ether(250)).await.unwrap();
    sender.wait(&pending, WAIT).await.unwrap();
    assert_eq!(token.balance_of(&chain, alice).await.unwrap(), ether(250));
    let via_trait = chain
        .token_balance(
            &UniversalAddress::from_evm(token_address.0),
            &UniversalAddress::from_evm(alice.0),
        )
        .await
        .unwrap();
    assert_eq!(via_trait, ether(250));

    let pending = token.approve(&sender, alice, ether(3)).await.unwrap();
    sender.wait(&pending, WAIT).await.unwrap();
    assert_eq!(
        token
            .allowance(&chain, sender.address(), alice)
            .await
            .unwrap(),
        ether(3)
    );

    // A transfer above the balance reverts in estimation: refused before signing, nonce unused.
    let nonce = sender.nonces().peek().await;
    let err = token
        .transfer(&sender, alice, ether(10_000))
        .await
        .unwrap_err();
    assert!(!err.is_retryable(), "{err}");
    assert_eq!(sender.nonces().peek().await, nonce);

    // A reverting transaction sent with a fixed gas limit lands as a failure.
    let request = token
        .transfer_request(alice, ether(10_000))
        .with_gas_limit(100_000);
    let pending = sender.send(request).await.unwrap();
    let err = chain.wait(&pending.id(), false, WAIT).await.unwrap_err();
    assert!(
        matches!(err, trestle_core::Error::TransactionFailed { .. }),
        "{err}"
    );
    assert!(matches!(
        chain.status(&pending.id()).await.unwrap(),
        TxStatus::Failed { .. }
    ));

    // Not a contract: the call returns no data, which does not decode.
    let nothing = Erc20::new(EvmAddress([0x99; 20]));
    let err = nothing.balance_of(&chain, alice).await.unwrap_err();
    assert!(
        matches!(err, trestle_core::Error::MalformedResponse { .. }),
        "{err}"
    );
}
