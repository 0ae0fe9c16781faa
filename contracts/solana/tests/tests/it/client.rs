//! The Rust client of the program (`trestle_bridge::solana`, used by the relayer, the CLI and
//! the FFI) against this crate's hand-written builders (`common.rs`): byte-identical
//! instructions (program id, accounts with their flags, data), executed by the program, its
//! account decoders reading what the program wrote, its compute rule of `execute_message`
//! against the program's, and its event readers on what the program emitted.

use litesvm::types::TransactionMetadata;
use solana_instruction::{AccountMeta, Instruction};
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_signer::Signer;
use trestle_bridge::solana::admin::{Action, BucketLimits};
use trestle_bridge::solana::events::{Event, decode_event, message_sent_events};
use trestle_bridge::solana::relay::{self, Payout, Signatures};
use trestle_bridge::solana::send::{SendParams, TokenKind, send};
use trestle_bridge::solana::state::{
    Config, Proposal, ProposalStatus, QueueReason, Receipt, ReceiptStatus, Remote, RemoteKind,
    Route, SignatureSet, TokenConfig,
};
use trestle_bridge::solana::{BridgeProgram, ReceiptKey};
use trestle_core::solana::SolanaAddress;
use trestle_core::solana::instruction as core_ix;
use trestle_core::solana::message::CompiledInstruction;

use crate::common::*;
use crate::deliver::{Setup, evm_sender};

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

fn key(k: &Key) -> ReceiptKey {
    ReceiptKey {
        origin: k.origin,
        origin_bridge: k.bridge,
        nonce: k.nonce,
    }
}

fn buckets(l: &Limits) -> (BucketLimits, BucketLimits) {
    (
        BucketLimits {
            capacity: l.inbound_capacity,
            refill_per_second: l.inbound_refill,
        },
        BucketLimits {
            capacity: l.outbound_capacity,
            refill_per_second: l.outbound_refill,
        },
    )
}

fn set_route(token_id: [u8; 32], domain: u32, l: &Limits) -> Action {
    let (inbound, outbound) = buckets(l);
    Action::SetRoute {
        token_id,
        domain,
        remote_exp: l.remote_exp,
        remote_max: l.remote_max,
        inbound,
        outbound,
    }
}

/// Proposes `action` with the client (checked against the tests' `propose`), waits, executes
/// it with the client (checked against `extra`), and returns the proposal id.
fn govern(
    env: &mut Env,
    action: &Action,
    receipt_token: Option<&[u8; 32]>,
    extra: Vec<AccountMeta>,
) -> u64 {
    let p = program();
    let admin = env.admin.insecure_clone();
    let id = env.next_proposal();
    let propose = sdk(p.propose(&addr(&admin.pubkey()), id, action));
    assert_eq!(propose, env.propose_ix(id, &action.encode()), "{action:?}");
    expect_ok(env.send(&[propose], &[&admin]));
    env.bump_proposal();
    assert_eq!(
        &Proposal::decode(&env.data(&proposal_pda(id)))
            .unwrap()
            .action,
        action
    );
    env.advance(ADMIN_DELAY);
    let payer = env.payer.pubkey();
    let execute = sdk(p
        .execute_proposal(&addr(&payer), id, action, DOMAIN, receipt_token)
        .unwrap());
    assert_eq!(execute, env.execute_proposal_ix(id, extra), "{action:?}");
    expect_ok(env.send(&[execute], &[]));
    id
}

/// initialize, propose / execute_proposal of every action, cancel_proposal and pause: the
/// client's bytes are the tests' bytes, the program runs them, and the decoders read the config,
/// remotes, proposals, token configs and routes it wrote.
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
        (config.paused, config.paused_at, config.admin_delay),
        (false, 0, ADMIN_DELAY)
    );
    assert_eq!(config.pause_count, 0);

    // SetRemote of ORIGIN (EVM) with a 3-validator set.
    let set: Vec<[u8; 20]> = validators(3).iter().map(|v| v.address).collect();
    let bridge = env.origin_bridge;
    let action = Action::SetRemote {
        domain: ORIGIN,
        bridge,
        kind: RemoteKind::Evm,
        epoch: 1,
        threshold: 2,
        validators: set.clone(),
    };
    assert_eq!(
        action.encode(),
        set_remote_action(ORIGIN, &bridge, KIND_EVM, 1, 2, &set)
    );
    let id = govern(
        &mut env,
        &action,
        None,
        vec![AccountMeta::new(remote_pda(ORIGIN), false)],
    );
    let remote = Remote::decode(&env.data(&remote_pda(ORIGIN))).unwrap();
    assert_eq!(
        (remote.domain, remote.bridge, remote.kind, remote.epoch),
        (ORIGIN, bridge, RemoteKind::Evm, 1)
    );
    assert_eq!((remote.threshold, remote.validators), (2, set));
    let executed = Proposal::decode(&env.data(&proposal_pda(id))).unwrap();
    assert_eq!(executed.status, ProposalStatus::Executed);
    assert_eq!(executed.eta, executed.created_at + ADMIN_DELAY);

    // The other actions, encoded and executed as the tests write them.
    let five: Vec<[u8; 20]> = validators(5).iter().map(|v| v.address).collect();
    let rotate = Action::SetValidatorSet {
        domain: ORIGIN,
        epoch: 2,
        threshold: 4,
        validators: five.clone(),
    };
    assert_eq!(rotate.encode(), rotate_action(ORIGIN, 2, 4, &five));
    govern(
        &mut env,
        &rotate,
        None,
        vec![AccountMeta::new(remote_pda(ORIGIN), false)],
    );
    let l = Limits::default();
    let mint = env.create_mint(&Pubkey::new_unique(), 6);
    let home_id = token_id(DOMAIN, &mint.to_bytes());
    let register_home = Action::RegisterToken {
        home_domain: DOMAIN,
        home_token: mint.to_bytes(),
        mint: addr(&mint),
        scale_exp: 0,
        timelock_threshold: l.timelock_threshold,
        timelock_delay: l.timelock_delay,
    };
    assert_eq!(
        register_home.encode(),
        register_action(DOMAIN, &mint.to_bytes(), &mint, 0, &l)
    );
    let accounts = env.register_token_ix_accounts(&home_id, &mint, vault_pda(&mint));
    govern(&mut env, &register_home, None, accounts);
    let bridged_mint = env.create_mint(&authority_pda(), 9);
    let bridged_id = token_id(ORIGIN, &[0xaa; 32]);
    let register_bridged = Action::RegisterToken {
        home_domain: ORIGIN,
        home_token: [0xaa; 32],
        mint: addr(&bridged_mint),
        scale_exp: 9,
        timelock_threshold: l.timelock_threshold,
        timelock_delay: l.timelock_delay,
    };
    let accounts = env.register_token_ix_accounts(&bridged_id, &bridged_mint, PROGRAM_ID);
    govern(&mut env, &register_bridged, None, accounts);
    let route = Limits {
        remote_exp: 3,
        remote_max: 1 << 90,
        ..l
    };
    let action = set_route(home_id, ORIGIN, &route);
    assert_eq!(action.encode(), set_route_action(&home_id, ORIGIN, &route));
    govern(
        &mut env,
        &action,
        None,
        set_route_accounts(&home_id, ORIGIN),
    );
    // The client names the route's remote, so an unknown one is refused as EVM refuses it.
    let unknown = set_route(home_id, 7, &route);
    let accounts = unknown.execute_accounts(&p, DOMAIN, None).unwrap();
    assert_eq!(
        accounts.last().map(|m| (m.pubkey, m.is_writable)),
        Some((addr(&remote_pda(7)), false))
    );
    let id = env.next_proposal();
    let admin_key = env.admin.insecure_clone();
    expect_ok(env.send(
        &[sdk(p.propose(&addr(&admin), id, &unknown))],
        &[&admin_key],
    ));
    env.bump_proposal();
    env.advance(ADMIN_DELAY);
    let execute = sdk(p
        .execute_proposal(&addr(&payer), id, &unknown, DOMAIN, None)
        .unwrap());
    expect_err(env.send(&[execute], &[]), "UnknownRemote");
    let limits = Action::SetTokenLimits {
        token_id: home_id,
        timelock_threshold: 77,
        timelock_delay: 5,
    };
    let new = Limits {
        timelock_threshold: 77,
        timelock_delay: 5,
        ..l
    };
    assert_eq!(limits.encode(), token_limits_action(&home_id, &new));
    govern(
        &mut env,
        &limits,
        None,
        vec![AccountMeta::new(token_pda(&home_id), false)],
    );
    let delay = Action::SetAdminDelay { admin_delay: 3_000 };
    assert_eq!(delay.encode(), set_admin_delay_action(3_000));
    govern(&mut env, &delay, None, vec![]);

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
        (addr(&vault_pda(&mint)), 77, 5)
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
    let decoded = Route::decode(&env.data(&route_pda(&home_id, ORIGIN))).unwrap();
    assert_eq!(
        (decoded.token_id, decoded.domain, decoded.remote_exp),
        (home_id, ORIGIN, 3)
    );
    assert_eq!(
        (decoded.remote_max, decoded.ledger, decoded.inbound_bounded),
        (1 << 90, 0, true)
    );
    assert!(!decoded.outbound_bounded);
    assert_eq!(
        (decoded.inbound.capacity, decoded.outbound.refill_per_second),
        (l.inbound_capacity, l.outbound_refill)
    );
    assert_eq!(
        Config::decode(&env.data(&config_pda()))
            .unwrap()
            .admin_delay,
        3_000
    );
    // Decoders refuse another account type.
    assert!(Remote::decode(&env.data(&config_pda())).is_err());
    assert!(TokenConfig::decode(&env.data(&remote_pda(ORIGIN))).is_err());
    assert!(Route::decode(&env.data(&token_pda(&home_id))).is_err());

    // pause, Unpause, cancel_proposal (guardian), SetRoles.
    let guardian_key = env.guardian.insecure_clone();
    let pause = sdk(p.pause(&addr(&guardian)));
    assert_eq!(pause, env.pause_ix(&guardian));
    expect_ok(env.send(&[pause], &[&guardian_key]));
    let config = Config::decode(&env.data(&config_pda())).unwrap();
    assert_eq!((config.paused, config.paused_at), (true, env.now));
    assert_eq!(config.pause_count, 1);
    assert_eq!(Action::Unpause.encode(), UNPAUSE.to_vec());
    env.advance(1);
    let unpause = govern(&mut env, &Action::Unpause, None, vec![]);
    let unpause = Proposal::decode(&env.data(&proposal_pda(unpause))).unwrap();
    assert_eq!((unpause.pause_count, unpause.approved_by), (1, None));
    let (a2, g2) = (Keypair::new(), Keypair::new());
    let roles = Action::SetRoles {
        admin: addr(&a2.pubkey()),
        guardian: addr(&g2.pubkey()),
    };
    assert_eq!(roles.encode(), set_roles_action(&a2.pubkey(), &g2.pubkey()));
    assert!(roles.replaces_guardian(&addr(&guardian)));
    let vetoable = set_route(home_id, 7, &l);
    assert!(vetoable.guardian_can_veto() && !roles.guardian_can_veto());
    let admin_key = env.admin.insecure_clone();
    let id = env.next_proposal();
    expect_ok(env.send(
        &[sdk(p.propose(&addr(&admin), id, &vetoable))],
        &[&admin_key],
    ));
    env.bump_proposal();
    let cancel = sdk(p.cancel_proposal(&addr(&guardian), id));
    assert_eq!(cancel, cancel_proposal_ix(&guardian, id));
    expect_ok(env.send(std::slice::from_ref(&cancel), &[&guardian_key]));
    assert_eq!(
        Proposal::decode(&env.data(&proposal_pda(id)))
            .unwrap()
            .status,
        ProposalStatus::Cancelled
    );

    // approve_proposal: the guardian consents to its replacement (SetRoles), whose ETA and
    // approved_by the decoder reads.
    let id = env.next_proposal();
    expect_ok(env.send(&[sdk(p.propose(&addr(&admin), id, &roles))], &[&admin_key]));
    env.bump_proposal();
    let proposed = Proposal::decode(&env.data(&proposal_pda(id))).unwrap();
    assert_eq!(proposed.eta, proposed.created_at + 30 * 24 * 3600);
    let approve = sdk(p.approve_proposal(&addr(&guardian), id));
    assert_eq!(approve, approve_proposal_ix(&guardian, id));
    expect_ok(env.send(&[approve], &[&guardian_key]));
    let approved = Proposal::decode(&env.data(&proposal_pda(id))).unwrap();
    let delay = Config::decode(&env.data(&config_pda()))
        .unwrap()
        .admin_delay;
    assert_eq!(approved.eta, approved.created_at + delay);
    assert_eq!(approved.approved_by, Some(addr(&guardian)));

    // Upgrade: the encoding, the propose accounts (its buffer) and the execute accounts (the
    // upgrade itself is upgrade.rs).
    let (buffer, spill) = (Pubkey::new_unique(), Pubkey::new_unique());
    let so = std::fs::read(program_so()).unwrap();
    let upgrade = Action::Upgrade {
        buffer: addr(&buffer),
        spill: addr(&spill),
        code_hash: trestle_bridge::solana::loader::code_hash(&so),
    };
    assert_eq!(
        upgrade.encode(),
        upgrade_action(&buffer, &spill, &sha256(&so))
    );
    let image = buffer_data(&upgrade_authority_pda(), &so);
    assert_eq!(
        trestle_bridge::solana::loader::buffer_code_hash(&image).unwrap(),
        sha256(&so)
    );
    assert_eq!(
        sdk(p.propose(&addr(&admin), 9, &upgrade)),
        env.propose_ix(9, &upgrade.encode())
    );
    let execute = sdk(p
        .execute_proposal(&addr(&payer), 9, &upgrade, DOMAIN, None)
        .unwrap());
    assert_eq!(
        execute,
        env.execute_proposal_ix(9, upgrade_accounts(&buffer, &spill))
    );
}

/// send, deliver, post_signatures, execute_queued, cancel_queued, VoidQueued, RefundCancelled
/// and close_signatures: the client's bytes are the tests' bytes, and receipts and staged sets
/// decode.
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
        let beneficiary = evm_sender();
        let ix = sdk(send(
            &p,
            &SendParams {
                sender: addr(&user),
                token_id,
                mint: addr(&mint),
                sender_token: addr(&sender_token),
                kind,
                destination: ORIGIN,
                beneficiary,
                amount: 250,
            },
        ));
        let args = SendArgs {
            destination: ORIGIN,
            token_id,
            beneficiary,
            amount: 250,
        };
        assert_eq!(
            ix,
            send_ix(&user, &args, &sender_token, &mint, &vault),
            "{kind:?}"
        );
    }

    // A home transfer at the timelock threshold: deliver (client-built) queues it.
    let payout = Payout {
        token_id: s.home_id,
        mint: addr(&s.home_mint),
        kind: TokenKind::Home,
        beneficiary: addr(&user),
    };
    let ata = Pubkey::new_from_array(payout.beneficiary_token().unwrap().0);
    s.env.put(
        ata,
        TOKEN_PROGRAM,
        token_account_data(&s.home_mint, &user, 0),
    );
    let accounts = TokenAccounts::home(&s.home_id, &s.home_mint, &ata);
    let m = s.transfer(&s.home_id.clone(), 5_000);
    let message = trestle_bridge::Message::decode(&m).unwrap();
    let bridge = s.env.origin_bridge;
    let sigs = s.env.attest(&m, 4);
    let deliver = sdk(relay::deliver(
        &p,
        &addr(&payer),
        &message,
        &bridge,
        &Signatures::Inline(sigs.clone()),
        Some(&payout),
    )
    .unwrap());
    assert_eq!(deliver, s.env.deliver_ix(&m, &sigs, None, Some(&accounts)));
    expect_ok(s.env.send(&[deliver], &[]));
    let k = s.env.key(&m);
    let receipt = Receipt::decode(&s.env.data(&receipt_pda(&k))).unwrap();
    assert_eq!(receipt.key(), key(&k));
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
        (keccak(&[&m]), ORIGIN, message.nonce, 1)
    );
    assert_eq!(
        (receipt.token_id, receipt.beneficiary, receipt.delivered_at),
        (s.home_id, addr(&user), s.env.now)
    );
    assert_eq!(
        (receipt.release_at, receipt.origin_bridge, receipt.refund_id),
        (s.env.now + l.timelock_delay, bridge, [0; 32])
    );
    let execute = sdk(relay::execute_queued(&p, &key(&k), &payout).unwrap());
    assert_eq!(execute, execute_queued_ix(&k, &accounts));

    // cancel_queued (guardian), then RefundCancelled, through the client.
    let guardian = s.env.guardian.insecure_clone();
    let cancel = sdk(p.cancel_queued(&addr(&guardian.pubkey()), &key(&k), &s.home_id));
    assert_eq!(
        cancel,
        cancel_queued_ix(&guardian.pubkey(), &k, &route_pda(&s.home_id, ORIGIN))
    );
    expect_ok(s.env.send(&[cancel], &[&guardian]));
    let receipt = Receipt::decode(&s.env.data(&receipt_pda(&k))).unwrap();
    assert_eq!(receipt.status, ReceiptStatus::Cancelled);
    let refund = Action::RefundCancelled { key: key(&k) };
    assert_eq!(refund.encode(), refund_action(&k));
    let mut extra = vec![
        AccountMeta::new(receipt_pda(&k), false),
        AccountMeta::new_readonly(token_pda(&s.home_id), false),
        AccountMeta::new_readonly(remote_pda(ORIGIN), false),
    ];
    extra.extend(event_metas());
    govern(&mut s.env, &refund, Some(&receipt.token_id), extra);
    let receipt = Receipt::decode(&s.env.data(&receipt_pda(&k))).unwrap();
    assert_eq!(receipt.status, ReceiptStatus::Refunded);
    assert_ne!(receipt.refund_id, [0; 32]);

    // VoidQueued of another queued transfer.
    let m3 = s.transfer(&s.home_id.clone(), 5_000);
    expect_ok(s.deliver(&m3, &s.home_accounts()));
    let k3 = s.env.key(&m3);
    let void = Action::VoidQueued { key: key(&k3) };
    assert_eq!(void.encode(), void_queued_action(&k3));
    govern(
        &mut s.env,
        &void,
        Some(&s.home_id.clone()),
        vec![
            AccountMeta::new(receipt_pda(&k3), false),
            AccountMeta::new(route_pda(&s.home_id, ORIGIN), false),
        ],
    );

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
    assert_eq!(set.digest, digest(ORIGIN, &bridge, 1, &id2));
    let staged = sdk(relay::deliver(
        &p,
        &addr(&payer),
        &trestle_bridge::Message::decode(&m2).unwrap(),
        &bridge,
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

/// The upgrade accounts of `execute_proposal` as the tests write them.
pub fn upgrade_accounts(buffer: &Pubkey, spill: &Pubkey) -> Vec<AccountMeta> {
    vec![
        AccountMeta::new(program_data_address(), false),
        AccountMeta::new(PROGRAM_ID, false),
        AccountMeta::new(*buffer, false),
        AccountMeta::new(*spill, false),
        AccountMeta::new_readonly(RENT, false),
        AccountMeta::new_readonly(upgrade_authority_pda(), false),
        AccountMeta::new_readonly(LOADER_V3, false),
    ]
}

/// execute_message: the client's instruction is the tests', and its compute-unit limit is the
/// program's rule: exactly enough (one unit less is refused).
#[test]
fn execute_message_builder_and_compute_limit_match_the_program() {
    let p = program();
    let mut env = Env::new(1, 1);
    let recipient = Pubkey::new_from_array([0x77; 32]);
    env.add_program(recipient, "trestle_example_recipient.so");
    let m = encode_message(
        0,
        ORIGIN,
        &[0x5e; 32],
        DOMAIN,
        &recipient.to_bytes(),
        &message_body(250_000, b"gas"),
    );
    let sigs = env.attest(&m, 1);
    expect_ok(env.send(&[env.deliver_ix(&m, &sigs, None, None)], &[]));
    let message = trestle_bridge::Message::decode(&m).unwrap();
    let extra = Pubkey::new_unique();
    env.put(extra, SYSTEM_PROGRAM, vec![0; 100_000]);
    let passthrough = [core_ix::AccountMeta::new(addr(&extra), false)];
    let ix = sdk(relay::execute_message(
        &p,
        &message,
        &env.origin_bridge,
        &passthrough,
    ));
    assert_eq!(
        ix,
        execute_message_ix(
            &m,
            &env.receipt(&m),
            &recipient,
            vec![AccountMeta::new(extra, false)]
        )
    );
    let limit = relay::execute_message_compute_limit(&p, &message, 100_000).unwrap();
    assert_eq!(
        u64::from(limit),
        required_compute_units(250_000, &recipient, 100_000)
    );
    let short = [compute_limit_ix(limit - 1), ix.clone()];
    expect_err(env.send(&short, &[]), "InsufficientCompute");
    let enough = [sdk(core_ix::set_compute_unit_limit(limit)), ix];
    expect_ok(env.send(&enough, &[]));
}

/// The inner instructions of a LiteSVM transaction as `trestle-core` compiled instructions.
fn inner(meta: &TransactionMetadata) -> Vec<CompiledInstruction> {
    meta.inner_instructions
        .iter()
        .flatten()
        .map(|i| CompiledInstruction {
            program_id_index: i.instruction.program_id_index,
            accounts: i.instruction.accounts.clone(),
            data: i.instruction.data.clone(),
        })
        .collect()
}

/// The events of a transaction's logs (the bridge's one-field `Program data:` records).
fn events(meta: &TransactionMetadata) -> Vec<Event> {
    program_data(&meta.logs)
        .into_iter()
        .filter(|fields| fields.len() == 1)
        .map(|fields| decode_event(&fields[0]).unwrap())
        .collect()
}

/// The client reads what the program emits: `MessageSent` from the inner instructions of a
/// send (and the same from its log line), and every logged event of deliver, execute_queued,
/// cancel, pause and governance.
#[test]
fn the_client_reads_the_programs_events() {
    let p = program();
    let l = Limits {
        timelock_threshold: 1_000,
        ..Limits::default()
    };
    let mut s = Setup::new(1, 1, l);
    let user = s.user.insecure_clone();
    let user_token = s
        .env
        .create_token_account(&s.home_mint, &user.pubkey(), 1_000);
    let ix = sdk(send(
        &p,
        &SendParams {
            sender: addr(&user.pubkey()),
            token_id: s.home_id,
            mint: addr(&s.home_mint),
            sender_token: addr(&user_token),
            kind: TokenKind::Home,
            destination: ORIGIN,
            beneficiary: evm_sender(),
            amount: 300,
        },
    ));
    let keys: Vec<SolanaAddress> = s
        .env
        .account_keys(std::slice::from_ref(&ix))
        .iter()
        .map(addr)
        .collect();
    let meta = expect_ok(s.env.send(&[ix], &[&user]));
    let sent = message_sent_events(&p, &keys, &inner(&meta)).unwrap();
    assert_eq!(sent.len(), 1);
    let message = &sent[0].message;
    assert_eq!(
        (message.nonce, message.origin, message.destination),
        (0, DOMAIN, ORIGIN)
    );
    assert_eq!(message.sender.0, user.pubkey().to_bytes());
    assert_eq!(events(&meta), vec![Event::MessageSent(sent[0].clone())]);
    // The same inner instructions against another deployment's id: none of its events.
    let other = BridgeProgram::new(SolanaAddress([9; 32]));
    assert!(
        message_sent_events(&other, &keys, &inner(&meta))
            .unwrap()
            .is_empty()
    );

    // deliver (queued), cancel, pause, propose, execute.
    let m = s.transfer(&s.home_id.clone(), 5_000);
    let meta = expect_ok(s.deliver(&m, &s.home_accounts()));
    let k = s.env.key(&m);
    assert_eq!(
        events(&meta),
        vec![Event::MessageDelivered {
            id: keccak(&[&m]),
            origin: ORIGIN,
            nonce: k.nonce,
            status: ReceiptStatus::Queued,
        }]
    );
    let guardian = s.env.guardian.insecure_clone();
    let cancel = sdk(p.cancel_queued(&addr(&guardian.pubkey()), &key(&k), &s.home_id));
    let meta = expect_ok(s.env.send(&[cancel], &[&guardian]));
    assert_eq!(
        events(&meta),
        vec![Event::TransferCancelled { id: keccak(&[&m]) }]
    );
    let meta = expect_ok(s.env.pause());
    assert_eq!(
        events(&meta),
        vec![Event::Paused {
            guardian: addr(&guardian.pubkey())
        }]
    );
    let admin = s.env.admin.insecure_clone();
    let id = s.env.next_proposal();
    let meta = expect_ok(s.env.send(
        &[sdk(p.propose(&addr(&admin.pubkey()), id, &Action::Unpause))],
        &[&admin],
    ));
    s.env.bump_proposal();
    assert_eq!(
        events(&meta),
        vec![Event::ProposalCreated {
            id,
            eta: s.env.now + ADMIN_DELAY
        }]
    );
    s.env.advance(ADMIN_DELAY);
    let payer = s.env.payer.pubkey();
    let execute = sdk(p
        .execute_proposal(&addr(&payer), id, &Action::Unpause, DOMAIN, None)
        .unwrap());
    let meta = expect_ok(s.env.send(&[execute], &[]));
    assert_eq!(events(&meta), vec![Event::ProposalExecuted { id }]);
}
