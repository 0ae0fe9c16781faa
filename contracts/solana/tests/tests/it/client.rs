//! The Rust client of the program (`trestle_bridge::solana`, used by the relayer, the CLI and
//! the FFI) against this crate's hand-written builders (`common.rs`): byte-identical
//! instructions (program id, accounts with their flags, data), executed by the program, and its
//! account decoders reading what the program wrote.

use solana_instruction::{AccountMeta, Instruction};
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_signer::Signer;
use trestle_bridge::solana::BridgeProgram;
use trestle_bridge::solana::admin::{Action, TokenLimits};
use trestle_bridge::solana::relay::{self, Payout, Signatures};
use trestle_bridge::solana::send::{SendParams, TokenKind, send};
use trestle_bridge::solana::state::{
    Config, Proposal, ProposalStatus, QueueReason, Receipt, ReceiptStatus, Remote, SignatureSet,
    TokenConfig,
};
use trestle_core::solana::SolanaAddress;
use trestle_core::solana::instruction as core_ix;

use crate::common::*;
use crate::deliver::Setup;

fn program() -> BridgeProgram {
    BridgeProgram::new(addr(&PROGRAM_ID))
}

fn addr(p: &Pubkey) -> SolanaAddress {
    SolanaAddress(p.to_bytes())
}

/// The client's instruction as the SDK's.
fn sdk(ix: core_ix::Instruction) -> Instruction {
    Instruction {
        program_id: Pubkey::new_from_array(ix.program_id.0),
        accounts: ix
            .accounts
            .iter()
            .map(|m| AccountMeta {
                pubkey: Pubkey::new_from_array(m.pubkey.0),
                is_signer: m.is_signer,
                is_writable: m.is_writable,
            })
            .collect(),
        data: ix.data,
    }
}

fn limits(l: &Limits) -> TokenLimits {
    TokenLimits {
        timelock_threshold: l.timelock_threshold,
        timelock_delay: l.timelock_delay,
        inbound_capacity: l.inbound_capacity,
        inbound_refill: l.inbound_refill,
        outbound_capacity: l.outbound_capacity,
        outbound_refill: l.outbound_refill,
    }
}

/// initialize, propose / execute_proposal of every action, cancel_proposal and pause: the
/// client's bytes are the tests' bytes, the program runs them, and the decoders read the config,
/// remotes, proposals and token configs it wrote.
#[test]
fn admin_builders_match_and_decoders_read_the_program_accounts() {
    let p = program();
    let mut env = Env::bare();
    let payer = env.payer.pubkey();
    let (admin, guardian) = (env.admin.pubkey(), env.guardian.pubkey());
    assert_eq!(
        Pubkey::new_from_array(p.program_data().0),
        program_data_address()
    );

    let init = sdk(p.initialize(
        &addr(&payer),
        DOMAIN,
        &addr(&admin),
        &addr(&guardian),
        ADMIN_DELAY,
    ));
    assert_eq!(init, env.initialize_ix(DOMAIN));
    expect_ok(env.send(&[init], &[]));
    let config = Config::decode(&env.data(&config_pda())).unwrap();
    assert_eq!(
        (config.domain, config.admin, config.guardian),
        (DOMAIN, addr(&admin), addr(&guardian))
    );
    assert_eq!(
        (config.paused, config.admin_delay, config.next_proposal),
        (false, ADMIN_DELAY, 0)
    );

    // SetRemote of ORIGIN with a 3-validator set.
    let set: Vec<[u8; 20]> = validators(3).iter().map(|v| v.address).collect();
    let bridge = env.origin_bridge;
    let action = Action::SetRemote {
        domain: ORIGIN,
        bridge,
        epoch: 1,
        threshold: 2,
        validators: set.clone(),
    };
    assert_eq!(
        action.encode(),
        set_remote_action(ORIGIN, &bridge, 1, 2, &set)
    );
    let propose = sdk(p.propose(&addr(&admin), 0, &action));
    assert_eq!(propose, env.propose_ix(0, &action.encode()));
    let admin_key = env.admin.insecure_clone();
    expect_ok(env.send(&[propose], &[&admin_key]));
    let proposal = Proposal::decode(&env.data(&proposal_pda(0))).unwrap();
    assert_eq!(
        (proposal.id, proposal.status, proposal.eta, &proposal.action),
        (0, ProposalStatus::Pending, env.now + ADMIN_DELAY, &action)
    );
    assert_eq!(
        Config::decode(&env.data(&config_pda()))
            .unwrap()
            .next_proposal,
        1
    );
    env.advance(ADMIN_DELAY);
    let execute = sdk(p.execute_proposal(&addr(&payer), 0, &action, DOMAIN));
    assert_eq!(
        execute,
        env.execute_proposal_ix(0, vec![AccountMeta::new(remote_pda(ORIGIN), false)])
    );
    expect_ok(env.send(&[execute], &[]));
    let remote = Remote::decode(&env.data(&remote_pda(ORIGIN))).unwrap();
    assert_eq!(
        (remote.domain, remote.bridge, remote.epoch, remote.threshold),
        (ORIGIN, bridge, 1, 2)
    );
    assert_eq!(remote.validators, set);
    let executed = Proposal::decode(&env.data(&proposal_pda(0))).unwrap();
    assert_eq!(executed.status, ProposalStatus::Executed);

    // The other actions: encodings and execute accounts as the tests write them.
    let five: Vec<[u8; 20]> = validators(5).iter().map(|v| v.address).collect();
    let rotate = Action::SetValidatorSet {
        domain: ORIGIN,
        epoch: 2,
        threshold: 4,
        validators: five.clone(),
    };
    assert_eq!(rotate.encode(), rotate_action(ORIGIN, 2, 4, &five));
    let l = Limits::default();
    let mint = env.create_mint(&Pubkey::new_unique(), 6);
    let register_home = Action::RegisterToken {
        home_domain: DOMAIN,
        home_token: mint.to_bytes(),
        mint: addr(&mint),
        scale_exp: 0,
        limits: limits(&l),
    };
    let home_id = token_id(DOMAIN, &mint.to_bytes());
    assert_eq!(
        register_home.encode(),
        l.encode(
            Borsh::default()
                .u8(2)
                .u32(DOMAIN)
                .raw(mint.as_ref())
                .raw(mint.as_ref())
                .u8(0)
        )
        .0
    );
    let bridged_mint = env.create_mint(&authority_pda(), 9);
    let register_bridged = Action::RegisterToken {
        home_domain: ORIGIN,
        home_token: [0xaa; 32],
        mint: addr(&bridged_mint),
        scale_exp: 9,
        limits: limits(&l),
    };
    let bridged_id = token_id(ORIGIN, &[0xaa; 32]);
    let new_limits = Limits {
        timelock_threshold: 77,
        ..l
    };
    let set_limits = Action::SetTokenLimits {
        token_id: home_id,
        limits: limits(&new_limits),
    };
    assert_eq!(
        set_limits.encode(),
        new_limits.encode(Borsh::default().u8(3).raw(&home_id)).0
    );
    let (a2, g2) = (Keypair::new(), Keypair::new());
    let roles = Action::SetRoles {
        admin: addr(&a2.pubkey()),
        guardian: addr(&g2.pubkey()),
    };
    assert_eq!(
        roles.encode(),
        Borsh::default()
            .u8(5)
            .raw(a2.pubkey().as_ref())
            .raw(g2.pubkey().as_ref())
            .0
    );
    assert_eq!(Action::Unpause.encode(), vec![4]);

    let steps: [(&Action, Vec<AccountMeta>); 5] = [
        (&rotate, vec![AccountMeta::new(remote_pda(ORIGIN), false)]),
        (
            &register_home,
            env.register_token_ix_accounts(&home_id, &mint, vault_pda(&mint)),
        ),
        (
            &register_bridged,
            env.register_token_ix_accounts(&bridged_id, &bridged_mint, PROGRAM_ID),
        ),
        (
            &set_limits,
            vec![AccountMeta::new(token_pda(&home_id), false)],
        ),
        (&Action::Unpause, vec![]),
    ];
    for (i, (action, extra)) in steps.into_iter().enumerate() {
        let id = 1 + i as u64;
        let propose = sdk(p.propose(&addr(&admin), id, action));
        assert_eq!(propose, env.propose_ix(id, &action.encode()));
        expect_ok(env.send(&[propose], &[&admin_key]));
        assert_eq!(
            &Proposal::decode(&env.data(&proposal_pda(id)))
                .unwrap()
                .action,
            action
        );
        env.advance(ADMIN_DELAY);
        let execute = sdk(p.execute_proposal(&addr(&payer), id, action, DOMAIN));
        assert_eq!(execute, env.execute_proposal_ix(id, extra), "action {id}");
        expect_ok(env.send(&[execute], &[]));
    }
    let remote = Remote::decode(&env.data(&remote_pda(ORIGIN))).unwrap();
    assert_eq!(
        (remote.epoch, remote.threshold, remote.validators),
        (2, 4, five)
    );
    let home = TokenConfig::decode(&env.data(&token_pda(&home_id))).unwrap();
    assert_eq!(
        (home.token_id, home.mint, home.is_home, home.home_domain),
        (home_id, addr(&mint), true, DOMAIN)
    );
    assert_eq!(
        (home.vault, home.timelock_threshold, home.timelock_delay),
        (addr(&vault_pda(&mint)), 77, l.timelock_delay)
    );
    assert_eq!(
        (home.inbound.capacity, home.outbound.refill_per_second),
        (l.inbound_capacity, l.outbound_refill)
    );
    let bridged = TokenConfig::decode(&env.data(&token_pda(&bridged_id))).unwrap();
    assert_eq!(
        (
            bridged.is_home,
            bridged.scale_exp,
            bridged.vault,
            bridged.home_token
        ),
        (false, 9, p.id, [0xaa; 32])
    );
    // Decoders refuse another account type.
    assert!(Remote::decode(&env.data(&config_pda())).is_err());
    assert!(TokenConfig::decode(&env.data(&remote_pda(ORIGIN))).is_err());

    // cancel_proposal (guardian) and pause.
    let propose = sdk(p.propose(&addr(&admin), 6, &roles));
    expect_ok(env.send(&[propose], &[&admin_key]));
    let cancel = sdk(p.cancel_proposal(&addr(&guardian), 6));
    let guardian_key = env.guardian.insecure_clone();
    expect_ok(env.send(std::slice::from_ref(&cancel), &[&guardian_key]));
    assert_eq!(
        Proposal::decode(&env.data(&proposal_pda(6)))
            .unwrap()
            .status,
        ProposalStatus::Cancelled
    );
    assert_eq!(
        cancel,
        Instruction::new_with_bytes(
            PROGRAM_ID,
            &Borsh::ix("cancel_proposal").u64(6).0,
            vec![
                AccountMeta::new_readonly(guardian, true),
                AccountMeta::new_readonly(config_pda(), false),
                AccountMeta::new(proposal_pda(6), false),
            ],
        )
    );
    let pause = sdk(p.pause(&addr(&guardian)));
    assert_eq!(pause, env.pause_ix(&guardian));
    expect_ok(env.send(&[pause], &[&guardian_key]));
    assert!(Config::decode(&env.data(&config_pda())).unwrap().paused);
}

/// send, deliver, post_signatures, execute_queued, cancel_queued and close_signatures: the
/// client's bytes are the tests' bytes, and receipts and staged sets decode.
#[test]
fn transfer_builders_match_and_receipts_and_staged_sets_decode() {
    let p = program();
    let l = Limits {
        timelock_threshold: 1_000,
        ..Limits::default()
    };
    let mut s = Setup::new(5, 4, l);
    let payer = s.env.payer.pubkey();
    let user = s.user.pubkey();

    // send, home and bridged.
    for (kind, token_id, mint, vault) in [
        (
            TokenKind::Home,
            s.home_id,
            s.home_mint,
            vault_pda(&s.home_mint),
        ),
        (TokenKind::Bridged, s.bridged_id, s.bridged_mint, PROGRAM_ID),
    ] {
        let sender_token = Pubkey::new_unique();
        let ix = sdk(send(
            &p,
            &SendParams {
                sender: addr(&user),
                token_id,
                mint: addr(&mint),
                sender_token: addr(&sender_token),
                kind,
                destination: ORIGIN,
                beneficiary: [0x42; 32],
                amount: 250,
            },
        ));
        let expected = send_ix(
            &user,
            ORIGIN,
            &[0x42; 32],
            250,
            &token_id,
            &sender_token,
            &mint,
            &vault,
        );
        assert_eq!(ix, expected, "{kind:?}");
    }

    // A home transfer at the timelock threshold: deliver (client-built) queues it.
    let ata = Pubkey::new_from_array(
        Payout {
            token_id: s.home_id,
            mint: addr(&s.home_mint),
            kind: TokenKind::Home,
            beneficiary: addr(&user),
        }
        .beneficiary_token()
        .unwrap()
        .0,
    );
    s.env.put(
        ata,
        TOKEN_PROGRAM,
        token_account_data(&s.home_mint, &user, 0),
    );
    let payout = Payout {
        token_id: s.home_id,
        mint: addr(&s.home_mint),
        kind: TokenKind::Home,
        beneficiary: addr(&user),
    };
    let accounts = TokenAccounts::home(&s.home_id, &s.home_mint, &ata);
    let m = s.transfer(&s.home_id.clone(), 5_000);
    let message = trestle_bridge::Message::decode(&m).unwrap();
    let sigs = s.env.attest(&m, 4);
    let deliver = sdk(relay::deliver(
        &p,
        &addr(&payer),
        &message,
        &Signatures::Inline(sigs.clone()),
        Some(&payout),
    )
    .unwrap());
    assert_eq!(deliver, s.env.deliver_ix(&m, &sigs, None, Some(&accounts)));
    expect_ok(s.env.send(&[deliver], &[]));
    let id = keccak(&[&m]);
    let receipt = Receipt::decode(&s.env.data(&receipt_pda(&id))).unwrap();
    assert_eq!(
        (receipt.status, receipt.queue_reason, receipt.amount),
        (ReceiptStatus::Queued, QueueReason::Timelock, 5_000)
    );
    assert_eq!(
        (
            receipt.message_id,
            receipt.origin,
            receipt.nonce,
            receipt.kind
        ),
        (id, ORIGIN, message.nonce, 1)
    );
    assert_eq!(
        (receipt.token_id, receipt.beneficiary, receipt.delivered_at),
        (s.home_id, addr(&user), s.env.now)
    );
    assert_eq!(receipt.release_at, s.env.now + l.timelock_delay);
    let execute = sdk(relay::execute_queued(&p, &id, &payout).unwrap());
    assert_eq!(execute, execute_queued_ix(&id, &accounts));

    // cancel_queued (guardian) through the client.
    let guardian = s.env.guardian.insecure_clone();
    let cancel = sdk(p.cancel_queued(&addr(&guardian.pubkey()), &id));
    assert_eq!(cancel, cancel_queued_ix(&guardian.pubkey(), &id));
    expect_ok(s.env.send(&[cancel], &[&guardian]));
    let receipt = Receipt::decode(&s.env.data(&receipt_pda(&id))).unwrap();
    assert_eq!(receipt.status, ReceiptStatus::Cancelled);

    // A staged set: post_signatures, decode, close_signatures.
    let m2 = s.transfer(&s.home_id.clone(), 10);
    let id2 = keccak(&[&m2]);
    let sigs2 = s.env.attest(&m2, 2);
    let post = sdk(relay::post_signatures(
        &p,
        &addr(&payer),
        &id2,
        ORIGIN,
        1,
        &sigs2,
    ));
    assert_eq!(post, s.env.post_signatures_ix(&id2, ORIGIN, &sigs2));
    expect_ok(s.env.send(&[post], &[]));
    let set_address = signatures_pda(&id2, 1, &payer);
    let set = SignatureSet::decode(&s.env.data(&set_address)).unwrap();
    let signers: Vec<[u8; 20]> = s.env.validators.iter().take(2).map(|v| v.address).collect();
    assert_eq!(
        (set.epoch, set.message_id, set.payer, set.signers),
        (1, id2, addr(&payer), signers)
    );
    let remote = Remote::decode(&s.env.data(&remote_pda(ORIGIN))).unwrap();
    assert_eq!(
        set.digest,
        digest(ORIGIN, &remote.bridge, remote.epoch, &id2)
    );
    let staged = sdk(relay::deliver(
        &p,
        &addr(&payer),
        &trestle_bridge::Message::decode(&m2).unwrap(),
        &Signatures::Staged { epoch: 1 },
        Some(&payout),
    )
    .unwrap());
    assert_eq!(
        staged,
        s.env
            .deliver_ix(&m2, &[], Some(set_address), Some(&accounts))
    );
    let close = sdk(p.close_signatures(&addr(&payer), &id2, 1));
    assert_eq!(close, close_signatures_ix(&payer, &set_address));
    expect_ok(s.env.send(&[close], &[]));
    assert!(SignatureSet::decode(&s.env.data(&set_address)).is_err());
}
