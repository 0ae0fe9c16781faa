//! Timelocked administration: propose/execute/cancel, proposal expiry, validator-set rotation,
//! remotes, roles (a guardian change waits 30 days unless the guardian approves it), the admin
//! delay, pause (immediate, guardian, counted) and unpause (timelocked, only for the current
//! pause), what the guardian cannot veto, and substituted accounts.

use solana_instruction::AccountMeta;
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_signer::Signer;

use crate::common::*;

/// Two weeks: how long a proposal stays executable after its ETA.
const GRACE_PERIOD: i64 = 14 * 24 * 60 * 60;
/// 30 days: how long a proposal that replaces the guardian waits without its approval.
const GUARDIAN_CHANGE_DELAY: i64 = 30 * 24 * 60 * 60;

/// The config's pause count.
fn pause_count(env: &Env) -> u64 {
    u64::from_le_bytes(env.data(&config_pda())[110..118].try_into().unwrap())
}

/// A proposal's ETA.
fn eta(env: &Env, id: u64) -> i64 {
    i64::from_le_bytes(env.data(&proposal_pda(id))[18..26].try_into().unwrap())
}

/// The extra account of `SetValidatorSet` / `SetRemote` of ORIGIN.
fn origin_remote() -> Vec<AccountMeta> {
    vec![AccountMeta::new(remote_pda(ORIGIN), false)]
}

#[test]
fn rotation_waits_for_the_timelock_and_changes_the_signers() {
    let mut env = Env::new(3, 2);
    let new_set = validators(5);
    let addrs: Vec<[u8; 20]> = new_set.iter().map(|v| v.address).collect();
    let id = env.next_proposal();
    let admin = env.admin.insecure_clone();
    expect_ok(env.send(
        &[env.propose_ix(id, &rotate_action(ORIGIN, 2, 4, &addrs))],
        &[&admin],
    ));
    env.bump_proposal();
    // Too early.
    env.advance(ADMIN_DELAY - 1);
    expect_err(
        env.send(&[env.execute_proposal_ix(id, origin_remote())], &[]),
        "ProposalPending",
    );
    env.advance(1);
    expect_ok(env.send(&[env.execute_proposal_ix(id, origin_remote())], &[]));
    // Executed once only.
    expect_err(
        env.send(&[env.execute_proposal_ix(id, origin_remote())], &[]),
        "ProposalNotPending",
    );
    let data = env.data(&remote_pda(ORIGIN));
    assert_eq!(u64::from_le_bytes(data[46..54].try_into().unwrap()), 2);
    assert_eq!(data[54], 4);
    assert_eq!(u32::from_le_bytes(data[55..59].try_into().unwrap()), 5);
    assert_eq!(data[59..59 + 100], addrs.concat());

    // A message signed for epoch 1 no longer verifies; one for epoch 2 does.
    let message = encode_message(
        0,
        ORIGIN,
        &[7; 32],
        DOMAIN,
        &[9; 32],
        &message_body(1, &[2]),
    );
    let old = env.attest(&message, 2);
    expect_err(
        env.send(&[env.deliver_ix(&message, &old, None, None)], &[]),
        "NotMember",
    );
    env.validators = new_set;
    env.epoch = 2;
    let sigs = env.attest(&message, 4);
    expect_ok(env.send(&[env.deliver_ix(&message, &sigs, None, None)], &[]));
}

#[test]
fn rotation_refuses_a_stale_epoch_and_bad_sets() {
    let mut env = Env::new(3, 2);
    let addrs: Vec<[u8; 20]> = validators(3).iter().map(|v| v.address).collect();
    expect_err(env.rotate(1, 2, &addrs), "EpochNotIncreasing");
    expect_err(env.rotate(2, 0, &addrs), "InvalidThreshold");
    expect_err(env.rotate(2, 1, &addrs), "ThresholdBelowTwoThirds");
    let five: Vec<[u8; 20]> = validators(5).iter().map(|v| v.address).collect();
    expect_err(env.rotate(2, 3, &five), "ThresholdBelowTwoThirds");
    expect_err(env.rotate(2, 1, &[]), "EmptyValidatorSet");
    expect_err(env.rotate(0, 1, &addrs), "ZeroEpoch");
}

#[test]
fn only_the_admin_proposes_and_admin_or_guardian_cancel() {
    let mut env = Env::new(1, 1);
    let stranger = Keypair::new();
    env.svm.airdrop(&stranger.pubkey(), 1_000_000_000).unwrap();
    let addrs: Vec<[u8; 20]> = validators(1).iter().map(|v| v.address).collect();
    let action = rotate_action(ORIGIN, 2, 1, &addrs);
    let mut ix = env.propose_ix(env.next_proposal(), &action);
    ix.accounts[0] = AccountMeta::new(stranger.pubkey(), true);
    expect_err(env.send(&[ix], &[&stranger]), "NotAdmin");
    // Admin not signing.
    let mut ix = env.propose_ix(env.next_proposal(), &action);
    ix.accounts[0] = AccountMeta::new(env.admin.pubkey(), false);
    expect_err(env.send(&[ix], &[]), "MissingSignature");

    let id = env.next_proposal();
    let admin = env.admin.insecure_clone();
    expect_ok(env.send(&[env.propose_ix(id, &action)], &[&admin]));
    env.bump_proposal();
    expect_err(
        env.send(&[cancel_proposal_ix(&stranger.pubkey(), id)], &[&stranger]),
        "NotAdmin",
    );
    let guardian = env.guardian.insecure_clone();
    expect_ok(env.send(&[cancel_proposal_ix(&guardian.pubkey(), id)], &[&guardian]));
    env.advance(ADMIN_DELAY);
    expect_err(
        env.send(&[env.execute_proposal_ix(id, origin_remote())], &[]),
        "ProposalNotPending",
    );
}

#[test]
fn pause_is_immediate_and_unpause_is_timelocked() {
    let mut env = Env::new(1, 1);
    let stranger = Keypair::new();
    expect_err(
        env.send(&[env.pause_ix(&stranger.pubkey())], &[&stranger]),
        "NotGuardian",
    );
    let admin = env.admin.insecure_clone();
    expect_err(
        env.send(&[env.pause_ix(&admin.pubkey())], &[&admin]),
        "NotGuardian",
    );
    // An unpause cannot be queued before a pause.
    let unpause = env.propose_ix(env.next_proposal(), &UNPAUSE);
    expect_err(env.send(&[unpause], &[&admin]), "NotPaused");
    let guardian = env.guardian.insecure_clone();
    let meta = expect_ok(env.pause());
    assert_eq!(
        logged_events(&meta.logs, "Paused"),
        vec![guardian.pubkey().to_bytes().to_vec()]
    );
    let config = env.data(&config_pda());
    assert_eq!(config[77], 1, "paused");
    assert_eq!(&config[78..86], &env.now.to_le_bytes(), "paused_at");
    assert_eq!(pause_count(&env), 1);
    expect_err(env.pause(), "AlreadyPaused");
    assert_eq!(pause_count(&env), 1);
    let message = encode_message(0, ORIGIN, &[7; 32], DOMAIN, &[9; 32], &message_body(1, &[]));
    let sigs = env.attest(&message, 1);
    expect_err(
        env.send(&[env.deliver_ix(&message, &sigs, None, None)], &[]),
        "Paused",
    );
    // Unpause: through the timelock; the proposal records the pause it was made in.
    let id = env.propose(&UNPAUSE).unwrap();
    assert_eq!(&env.data(&proposal_pda(id))[34..42], &1u64.to_le_bytes());
    env.advance(ADMIN_DELAY);
    expect_ok(env.send(&[env.execute_proposal_ix(id, vec![])], &[]));
    assert_eq!(env.data(&config_pda())[77], 0);
    expect_ok(env.send(&[env.deliver_ix(&message, &sigs, None, None)], &[]));
    // Every pause counts.
    expect_ok(env.pause());
    assert_eq!(pause_count(&env), 2);
}

/// Review finding 6: an unpause is proposed only while paused and executes only while still
/// paused and if it was proposed during the current pause (same pause count), so no unpause can
/// be queued ahead of a pause; the guardian cannot veto it (nor its own replacement).
#[test]
fn unpause_only_for_the_current_pause_and_not_vetoable() {
    let mut env = Env::new(1, 1);
    let guardian = env.guardian.insecure_clone();
    expect_ok(env.pause());
    env.advance(1);
    let first = env.propose(&UNPAUSE).unwrap();
    let second = env.propose(&UNPAUSE).unwrap();
    // The guardian cannot cancel an unpause; the admin can cancel its own.
    expect_err(
        env.send(
            &[cancel_proposal_ix(&guardian.pubkey(), first)],
            &[&guardian],
        ),
        "GuardianCannotVeto",
    );
    env.advance(ADMIN_DELAY);
    expect_ok(env.send(&[env.execute_proposal_ix(first, vec![])], &[]));
    // Not paused any more: the second one cannot execute.
    expect_err(
        env.send(&[env.execute_proposal_ix(second, vec![])], &[]),
        "NotPaused",
    );
    // Paused again: the second was proposed before this pause began.
    env.advance(1);
    expect_ok(env.pause());
    expect_err(
        env.send(&[env.execute_proposal_ix(second, vec![])], &[]),
        "StaleUnpause",
    );
    let third = env.propose(&UNPAUSE).unwrap();
    env.advance(ADMIN_DELAY);
    expect_ok(env.send(&[env.execute_proposal_ix(third, vec![])], &[]));
    let admin = env.admin.insecure_clone();
    expect_ok(env.send(&[cancel_proposal_ix(&admin.pubkey(), second)], &[&admin]));
}

/// Second review, L2 (was the PoC `an_unpause_proposed_before_a_repause_in_the_same_second_survives_it`):
/// the stale-unpause rule compared `created_at >= paused_at` at one-second resolution, so an
/// unpause proposed during one pause, in the same second as an unpause and an immediate
/// re-pause, counted as made for the new pause. Pauses are now counted and an unpause keeps the
/// count it was proposed under.
#[test]
fn an_unpause_proposed_before_a_repause_is_stale_even_in_the_same_second() {
    let mut env = Env::new(1, 1);
    let guardian = env.guardian.insecure_clone();
    expect_ok(env.pause());
    env.advance(1);
    let first = env.propose(&UNPAUSE).unwrap();
    env.advance(ADMIN_DELAY);
    // Same second: a second unpause is proposed while the first pause holds, the first
    // unpause executes, and the guardian re-pauses at once.
    let queued_in_advance = env.propose(&UNPAUSE).unwrap();
    expect_ok(env.send(&[env.execute_proposal_ix(first, vec![])], &[]));
    expect_ok(env.pause());
    assert_eq!(pause_count(&env), 2);
    // The guardian cannot veto it, but it does not lift the re-pause: it is stale.
    expect_err(
        env.send(
            &[cancel_proposal_ix(&guardian.pubkey(), queued_in_advance)],
            &[&guardian],
        ),
        "GuardianCannotVeto",
    );
    env.advance(ADMIN_DELAY);
    expect_err(
        env.send(&[env.execute_proposal_ix(queued_in_advance, vec![])], &[]),
        "StaleUnpause",
    );
    assert_eq!(env.data(&config_pda())[77], 1, "still paused");
}

/// Review finding 6: the guardian cannot veto its own replacement; SetRoles executes while
/// paused, so a guardian that re-pauses forever is replaced (after 30 days without its
/// approval: second review, F-2).
#[test]
fn the_guardian_cannot_veto_its_replacement() {
    let mut env = Env::new(1, 1);
    let guardian = env.guardian.insecure_clone();
    let (a, g) = (Keypair::new(), Keypair::new());
    let id = env
        .propose(&set_roles_action(&a.pubkey(), &g.pubkey()))
        .unwrap();
    expect_err(
        env.send(&[cancel_proposal_ix(&guardian.pubkey(), id)], &[&guardian]),
        "GuardianCannotVeto",
    );
    expect_ok(env.pause());
    env.advance(ADMIN_DELAY);
    expect_err(
        env.send(&[env.execute_proposal_ix(id, set_roles_accounts())], &[]),
        "ProposalPending",
    );
    env.advance(GUARDIAN_CHANGE_DELAY - ADMIN_DELAY);
    expect_ok(env.send(&[env.execute_proposal_ix(id, set_roles_accounts())], &[]));
    let data = env.data(&config_pda());
    assert_eq!(&data[45..77], g.pubkey().as_ref());
    // The old guardian is gone; the new one can unpause nothing but can pause again.
    expect_err(
        env.send(&[env.pause_ix(&guardian.pubkey())], &[&guardian]),
        "NotGuardian",
    );
}

/// Review finding 6: proposals expire at ETA + 14 days.
#[test]
fn proposals_expire_after_the_grace_period() {
    let mut env = Env::new(1, 1);
    let addrs: Vec<[u8; 20]> = validators(1).iter().map(|v| v.address).collect();
    let late = env.propose(&rotate_action(ORIGIN, 2, 1, &addrs)).unwrap();
    let just_in_time = env.propose(&rotate_action(ORIGIN, 3, 1, &addrs)).unwrap();
    env.advance(ADMIN_DELAY + GRACE_PERIOD);
    expect_ok(env.send(
        &[env.execute_proposal_ix(just_in_time, origin_remote())],
        &[],
    ));
    env.advance(1);
    // (`late` would also be refused for its epoch now; expiry is checked first.)
    expect_err(
        env.send(&[env.execute_proposal_ix(late, origin_remote())], &[]),
        "ProposalExpired",
    );
    // ProposalCreated { id, eta } and ProposalExecuted { id } are logged.
    let id = env.next_proposal();
    let admin = env.admin.insecure_clone();
    let meta = expect_ok(env.send(
        &[env.propose_ix(id, &rotate_action(ORIGIN, 4, 1, &addrs))],
        &[&admin],
    ));
    env.bump_proposal();
    let mut created = id.to_le_bytes().to_vec();
    created.extend_from_slice(&(env.now + ADMIN_DELAY).to_le_bytes());
    assert_eq!(logged_events(&meta.logs, "ProposalCreated"), vec![created]);
    let proposal = env.data(&proposal_pda(id));
    assert_eq!(&proposal[26..34], &env.now.to_le_bytes(), "created_at");
    env.advance(ADMIN_DELAY);
    let meta = expect_ok(env.send(&[env.execute_proposal_ix(id, origin_remote())], &[]));
    assert_eq!(
        logged_events(&meta.logs, "ProposalExecuted"),
        vec![id.to_le_bytes().to_vec()]
    );
}

#[test]
fn the_admin_delay_changes_through_the_timelock() {
    let mut env = Env::new(1, 1);
    expect_err(env.govern(&set_admin_delay_action(0), vec![]), "ZeroValue");
    expect_err(
        env.govern(&set_admin_delay_action(30 * 24 * 3600 + 1), vec![]),
        "OutOfRange",
    );
    expect_ok(env.govern(&set_admin_delay_action(7_200), vec![]));
    let config = env.data(&config_pda());
    assert_eq!(&config[94..102], &7_200i64.to_le_bytes());
    expect_ok(env.pause());
    let id = env.propose(&UNPAUSE).unwrap();
    env.advance(ADMIN_DELAY);
    expect_err(
        env.send(&[env.execute_proposal_ix(id, vec![])], &[]),
        "ProposalPending",
    );
    env.advance(7_200 - ADMIN_DELAY);
    expect_ok(env.send(&[env.execute_proposal_ix(id, vec![])], &[]));
}

#[test]
fn roles_change_through_the_timelock() {
    let mut env = Env::new(1, 1);
    let (a, g) = (Keypair::new(), Keypair::new());
    let same = Borsh::default()
        .u8(5)
        .raw(a.pubkey().as_ref())
        .raw(a.pubkey().as_ref())
        .0;
    expect_err(env.govern(&same, vec![]), "SameAdminAndGuardian");
    let zero = set_roles_action(&Pubkey::new_from_array([0; 32]), &g.pubkey());
    expect_err(env.govern(&zero, vec![]), "ZeroValue");
    // A new admin alone: the admin delay.
    let guardian = env.guardian.pubkey();
    expect_ok(env.govern(
        &set_roles_action(&a.pubkey(), &guardian),
        set_roles_accounts(),
    ));
    let data = env.data(&config_pda());
    assert_eq!(&data[13..45], a.pubkey().as_ref());
    assert_eq!(&data[45..77], guardian.as_ref());
    // A new guardian: 30 days (the guardian may shorten it, below).
    env.admin = a.insecure_clone();
    env.svm.airdrop(&a.pubkey(), 1_000_000_000).unwrap();
    let id = env
        .propose(&set_roles_action(&a.pubkey(), &g.pubkey()))
        .unwrap();
    env.advance(GUARDIAN_CHANGE_DELAY);
    expect_ok(env.send(&[env.execute_proposal_ix(id, set_roles_accounts())], &[]));
    assert_eq!(&env.data(&config_pda())[45..77], g.pubkey().as_ref());
}

/// Second review, F-2: a proposal that replaces the guardian waits 30 days, so a compromised
/// admin key alone cannot remove the guardian and push an upgrade past it within two admin
/// delays; the sitting guardian may consent (`approve_proposal`), which makes it executable
/// after the admin delay. The guardian still cannot cancel it.
#[test]
fn a_guardian_change_waits_30_days_unless_the_guardian_approves_it() {
    let mut env = Env::new(1, 1);
    let guardian = env.guardian.insecure_clone();
    let admin = env.admin.insecure_clone();
    let g2 = Keypair::new();
    let created = env.now;
    let id = env.next_proposal();
    let meta = expect_ok(env.try_propose(&set_roles_action(&admin.pubkey(), &g2.pubkey())));
    let mut event = id.to_le_bytes().to_vec();
    event.extend_from_slice(&(created + GUARDIAN_CHANGE_DELAY).to_le_bytes());
    assert_eq!(logged_events(&meta.logs, "ProposalCreated"), vec![event]);
    assert_eq!(eta(&env, id), created + GUARDIAN_CHANGE_DELAY);
    env.advance(ADMIN_DELAY);
    expect_err(
        env.send(&[env.execute_proposal_ix(id, set_roles_accounts())], &[]),
        "ProposalPending",
    );
    expect_err(
        env.send(&[cancel_proposal_ix(&guardian.pubkey(), id)], &[&guardian]),
        "GuardianCannotVeto",
    );

    // Only the sitting guardian approves, and only a guardian change.
    let stranger = Keypair::new();
    for who in [&admin, &stranger, &g2] {
        expect_err(
            env.send(&[approve_proposal_ix(&who.pubkey(), id)], &[who]),
            "NotGuardian",
        );
    }
    let admin_only = env
        .propose(&set_roles_action(&stranger.pubkey(), &guardian.pubkey()))
        .unwrap();
    assert_eq!(eta(&env, admin_only), env.now + ADMIN_DELAY);
    let addrs: Vec<[u8; 20]> = validators(1).iter().map(|v| v.address).collect();
    let rotation = env.propose(&rotate_action(ORIGIN, 2, 1, &addrs)).unwrap();
    for other in [admin_only, rotation] {
        expect_err(
            env.send(
                &[approve_proposal_ix(&guardian.pubkey(), other)],
                &[&guardian],
            ),
            "NotGuardianChange",
        );
    }
    let mut unsigned = approve_proposal_ix(&guardian.pubkey(), id);
    unsigned.accounts[0].is_signer = false;
    expect_err(env.send(&[unsigned], &[]), "MissingSignature");

    // Approved: executable from created_at + admin delay, i.e. now.
    let meta = expect_ok(env.send(&[approve_proposal_ix(&guardian.pubkey(), id)], &[&guardian]));
    let mut event = id.to_le_bytes().to_vec();
    event.extend_from_slice(&(created + ADMIN_DELAY).to_le_bytes());
    assert_eq!(logged_events(&meta.logs, "ProposalApproved"), vec![event]);
    assert_eq!(eta(&env, id), created + ADMIN_DELAY);
    assert_eq!(
        &env.data(&proposal_pda(id))[42..74],
        guardian.pubkey().as_ref()
    );
    expect_err(
        env.send(&[cancel_proposal_ix(&guardian.pubkey(), id)], &[&guardian]),
        "GuardianCannotVeto",
    );
    expect_ok(env.send(&[env.execute_proposal_ix(id, set_roles_accounts())], &[]));
    assert_eq!(&env.data(&config_pda())[45..77], g2.pubkey().as_ref());
    expect_err(
        env.send(&[approve_proposal_ix(&g2.pubkey(), id)], &[&g2]),
        "ProposalNotPending",
    );

    // A late approval makes it executable at once, with its grace period from now (an
    // approval never expires a proposal), never later than its 30 days.
    let g3 = Keypair::new();
    let late = env
        .propose(&set_roles_action(&admin.pubkey(), &g3.pubkey()))
        .unwrap();
    let proposed = env.now;
    env.advance(20 * 24 * 3600);
    expect_ok(env.send(&[approve_proposal_ix(&g2.pubkey(), late)], &[&g2]));
    assert_eq!(eta(&env, late), env.now);
    env.advance(GRACE_PERIOD);
    expect_ok(env.send(&[env.execute_proposal_ix(late, set_roles_accounts())], &[]));
    assert!(env.now > proposed + GUARDIAN_CHANGE_DELAY);
    assert_eq!(&env.data(&config_pda())[45..77], g3.pubkey().as_ref());
}

/// F-2 at execution: whether a SetRoles replaces the guardian is judged against the guardian
/// sitting then, and only that guardian's approval counts. A SetRoles that named the sitting
/// guardian when proposed (admin delay), executed after another guardian took over, waits 30
/// days from its creation; so does one approved by a guardian that has since been replaced.
#[test]
fn a_guardian_change_needs_the_approval_of_the_guardian_it_replaces() {
    let mut env = Env::new(1, 1);
    let g1 = env.guardian.insecure_clone();
    let admin = env.admin.insecure_clone();
    let (g2, g3) = (Keypair::new(), Keypair::new());
    // Queued while g1 sits: "keep g1" (admin delay) and "g3" (approved by g1).
    let back_to_g1 = env
        .propose(&set_roles_action(&admin.pubkey(), &g1.pubkey()))
        .unwrap();
    let to_g3 = env
        .propose(&set_roles_action(&admin.pubkey(), &g3.pubkey()))
        .unwrap();
    expect_ok(env.send(&[approve_proposal_ix(&g1.pubkey(), to_g3)], &[&g1]));
    // g1 consents to g2, which takes over.
    let to_g2 = env
        .propose(&set_roles_action(&admin.pubkey(), &g2.pubkey()))
        .unwrap();
    expect_ok(env.send(&[approve_proposal_ix(&g1.pubkey(), to_g2)], &[&g1]));
    env.advance(ADMIN_DELAY);
    expect_ok(env.send(&[env.execute_proposal_ix(to_g2, set_roles_accounts())], &[]));
    // Neither replaces g2 without g2's consent before 30 days.
    for id in [back_to_g1, to_g3] {
        expect_err(
            env.send(&[env.execute_proposal_ix(id, set_roles_accounts())], &[]),
            "ProposalPending",
        );
    }
    // g2 consents to going back to g1.
    expect_ok(env.send(&[approve_proposal_ix(&g2.pubkey(), back_to_g1)], &[&g2]));
    expect_ok(env.send(
        &[env.execute_proposal_ix(back_to_g1, set_roles_accounts())],
        &[],
    ));
    assert_eq!(&env.data(&config_pda())[45..77], g1.pubkey().as_ref());
}

#[test]
fn remotes_refuse_zero_and_own_domain() {
    let mut env = Env::new(1, 1);
    let set: Vec<[u8; 20]> = validators(1).iter().map(|v| v.address).collect();
    let zero_bridge = set_remote_action(5, &[0; 32], KIND_EVM, 1, 1, &set);
    expect_err(
        env.govern(&zero_bridge, vec![AccountMeta::new(remote_pda(5), false)]),
        "ZeroValue",
    );
    let zero_domain = set_remote_action(0, &evm_bridge(1), KIND_EVM, 1, 1, &set);
    expect_err(
        env.govern(&zero_domain, vec![AccountMeta::new(remote_pda(0), false)]),
        "ZeroValue",
    );
    let own = set_remote_action(DOMAIN, &evm_bridge(1), KIND_EVM, 1, 1, &set);
    expect_err(
        env.govern(&own, vec![AccountMeta::new(remote_pda(DOMAIN), false)]),
        "UnknownRemote",
    );
    // The initial set follows the configuration rules.
    let bad_sets: [(Vec<u8>, &str); 4] = [
        (
            set_remote_action(5, &evm_bridge(1), KIND_EVM, 0, 1, &set),
            "ZeroEpoch",
        ),
        (
            set_remote_action(5, &evm_bridge(1), KIND_EVM, 1, 1, &[]),
            "EmptyValidatorSet",
        ),
        (
            set_remote_action(5, &evm_bridge(1), KIND_EVM, 1, 2, &set),
            "InvalidThreshold",
        ),
        (
            set_remote_action(5, &evm_bridge(1), KIND_EVM, 1, 1, &[[2; 20], [1; 20]]),
            "ValidatorsNotAscending",
        ),
    ];
    for (action, err) in bad_sets {
        expect_err(
            env.govern(&action, vec![AccountMeta::new(remote_pda(5), false)]),
            err,
        );
    }
    // Wrong remote PDA for the domain.
    let ok = set_remote_action(5, &evm_bridge(1), KIND_EVM, 1, 1, &set);
    expect_err(
        env.govern(&ok, vec![AccountMeta::new(remote_pda(6), false)]),
        "WrongAccountAddress",
    );
    // Missing remote account.
    expect_err(env.govern(&ok, vec![]), "NotEnoughAccounts");
    // Unknown action tag.
    expect_err(env.govern(&[9], vec![]), "InvalidInstructionData");
}

/// A remote of kind EVM is an EVM bridge: a 20-byte address left-padded with 12 zero bytes,
/// never zero (EVM `setRemote` refuses the converse with `InvalidConfig`); a Solana remote is any
/// non-zero program id.
#[test]
fn evm_remotes_are_left_padded_addresses() {
    let mut env = Env::new(1, 1);
    let set: Vec<[u8; 20]> = validators(1).iter().map(|v| v.address).collect();
    let mut top_byte = evm_bridge(0x77);
    top_byte[0] = 1;
    let mut twelfth_byte = evm_bridge(0x77);
    twelfth_byte[11] = 1;
    for bridge in [[0x77; 32], top_byte, twelfth_byte] {
        let action = set_remote_action(5, &bridge, KIND_EVM, 1, 1, &set);
        expect_err(
            env.govern(&action, vec![AccountMeta::new(remote_pda(5), false)]),
            "OutOfRange",
        );
        // Nor can an existing EVM remote be pointed at one.
        let action = set_remote_action(ORIGIN, &bridge, KIND_EVM, 2, 1, &set);
        expect_err(env.govern(&action, origin_remote()), "OutOfRange");
    }
    assert!(env.svm.get_account(&remote_pda(5)).is_none());
    let zero = set_remote_action(5, &[0; 32], KIND_EVM, 1, 1, &set);
    expect_err(
        env.govern(&zero, vec![AccountMeta::new(remote_pda(5), false)]),
        "ZeroValue",
    );
    // The same 32 bytes are a Solana program id; an EVM remote takes the padded address.
    expect_ok(env.set_remote_of_kind(5, [0x77; 32], KIND_SOLANA, 1, 1, &set));
    expect_ok(env.set_remote(6, evm_bridge(0x77), 1, 1, &set));
    assert_eq!(env.remote_bridge(6), evm_bridge(0x77));
    assert_eq!(env.data(&remote_pda(6))[45], KIND_EVM);
    // A Solana remote turned EVM must get a padded bridge too.
    let action = set_remote_action(5, &[0x77; 32], KIND_EVM, 2, 1, &set);
    expect_err(
        env.govern(&action, vec![AccountMeta::new(remote_pda(5), false)]),
        "OutOfRange",
    );
}

/// docs/protocol.md, "Validator sets": a configured set's own rules come before the epoch
/// rule, so epoch 0 is `ZeroEpoch` (not `EpochNotIncreasing`) on `SetRemote` and
/// `SetValidatorSet`, for a remote with a set or a new one, as on EVM.
#[test]
fn set_rules_come_before_the_epoch_rule() {
    let mut env = Env::new(3, 2);
    let three: Vec<[u8; 20]> = validators(3).iter().map(|v| v.address).collect();
    let bridge = env.origin_bridge;
    // ORIGIN holds epoch 1.
    expect_err(env.rotate(0, 2, &three), "ZeroEpoch");
    expect_err(env.set_remote(ORIGIN, bridge, 0, 2, &three), "ZeroEpoch");
    expect_err(env.rotate(1, 2, &[]), "EmptyValidatorSet");
    expect_err(
        env.set_remote(ORIGIN, bridge, 1, 1, &three),
        "ThresholdBelowTwoThirds",
    );
    expect_err(env.rotate(1, 2, &three), "EpochNotIncreasing");
    // A new remote.
    let action = set_remote_action(5, &evm_bridge(5), KIND_EVM, 0, 2, &three);
    expect_err(
        env.govern(&action, vec![AccountMeta::new(remote_pda(5), false)]),
        "ZeroEpoch",
    );
}

/// ORIGIN's validators signing the right digest for remote 7.
fn by_origin_set_again(env: &Env, bridge: &[u8; 32], id: &[u8; 32]) -> Vec<u8> {
    let refs: Vec<&Validator> = env.validators.iter().collect();
    sign(&digest(7, bridge, 4, id), &refs)
}

/// Each origin is verified against its own remote's set and epoch (the EVM bridge's
/// `remote(origin)`): a message from one origin signed by another origin's validators is refused.
#[test]
fn each_origin_has_its_own_validator_set() {
    let mut env = Env::new(3, 2);
    // Remote 7: five other keys, epoch 4, threshold 4; another bridge.
    let origin_addrs: Vec<[u8; 20]> = env.validators.iter().map(|v| v.address).collect();
    let other: Vec<Validator> = validators(8)
        .into_iter()
        .filter(|v| !origin_addrs.contains(&v.address))
        .collect();
    assert_eq!(other.len(), 5);
    let other_addrs: Vec<[u8; 20]> = other.iter().map(|v| v.address).collect();
    let other_bridge = evm_bridge(0x77);
    expect_ok(env.set_remote(7, other_bridge, 4, 4, &other_addrs));
    let data = env.data(&remote_pda(7));
    assert_eq!(data.len(), 59 + 20 * 255);
    assert_eq!(&data[..8], &account_disc("Remote"));
    assert_eq!(u32::from_le_bytes(data[9..13].try_into().unwrap()), 7);
    assert_eq!(&data[13..45], &other_bridge);
    assert_eq!(data[45], KIND_EVM);
    assert_eq!(u64::from_le_bytes(data[46..54].try_into().unwrap()), 4);
    assert_eq!(data[54], 4);
    assert_eq!(u32::from_le_bytes(data[55..59].try_into().unwrap()), 5);

    let from_7 = encode_message(0, 7, &[7; 32], DOMAIN, &[9; 32], &message_body(1, &[1]));
    let id = keccak(&[&from_7]);
    // ORIGIN's validators (and epoch) do not attest messages from 7...
    let origin_sigs = env.attest(&from_7, 3);
    let origin_refs: Vec<&Validator> = env.validators.iter().collect();
    let by_origin_set = sign(&digest(7, &other_bridge, 4, &id), &origin_refs);
    for sigs in [origin_sigs, by_origin_set] {
        expect_err(
            env.send(&[env.deliver_ix(&from_7, &sigs, None, None)], &[]),
            "NotMember",
        );
    }
    // ...nor does remote 7's set at ORIGIN's epoch (1) verify.
    let refs: Vec<&Validator> = other.iter().take(4).collect();
    let stale = sign(&digest(7, &other_bridge, 1, &id), &refs);
    expect_err(
        env.send(&[env.deliver_ix(&from_7, &stale, None, None)], &[]),
        "NotMember",
    );
    // 7's set at epoch 4 does; 3 of 5 is below its threshold.
    let three = sign(&digest(7, &other_bridge, 4, &id), &refs[..3]);
    expect_err(
        env.send(&[env.deliver_ix(&from_7, &three, None, None)], &[]),
        "BelowThreshold",
    );
    let good = sign(&digest(7, &other_bridge, 4, &id), &refs);
    // post_signatures stages against remote 7 too: its set address carries epoch 4, and
    // ORIGIN's validators are not members.
    let mut post = env.post_signatures_ix(&id, 7, &by_origin_set_again(&env, &other_bridge, &id));
    let staged_at = signatures_pda(&id, 4, &env.payer.pubkey());
    post.accounts[3] = AccountMeta::new(staged_at, false);
    expect_err(env.send(&[post], &[]), "NotMember");
    let mut post = env.post_signatures_ix(&id, 7, &good[..65 * 2]);
    post.accounts[3] = AccountMeta::new(staged_at, false);
    expect_ok(env.send(&[post], &[]));
    let staged = env.data(&staged_at);
    assert_eq!(u64::from_le_bytes(staged[9..17].try_into().unwrap()), 4);
    assert_eq!(&staged[49..81], &digest(7, &other_bridge, 4, &id));
    let mut post = env.post_signatures_ix(&id, 7, &good[65 * 2..]);
    post.accounts[3] = AccountMeta::new(staged_at, false);
    expect_ok(env.send(&[post], &[]));
    expect_ok(env.send(&[env.deliver_ix(&from_7, &[], Some(staged_at), None)], &[]));
    // ORIGIN still verifies with its own set.
    let from_origin = encode_message(
        0,
        ORIGIN,
        &[7; 32],
        DOMAIN,
        &[9; 32],
        &message_body(1, &[1]),
    );
    let sigs = env.attest(&from_origin, 2);
    expect_ok(env.send(&[env.deliver_ix(&from_origin, &sigs, None, None)], &[]));
    // Rotating remote 7 leaves ORIGIN's set alone.
    let rotate_7 = rotate_action(7, 5, 1, &other_addrs[..1]);
    expect_ok(env.govern(&rotate_7, vec![AccountMeta::new(remote_pda(7), false)]));
    let origin = env.data(&remote_pda(ORIGIN));
    assert_eq!(u64::from_le_bytes(origin[46..54].try_into().unwrap()), 1);
    assert_eq!(origin[54], 2);
}

#[test]
fn set_validator_set_needs_an_existing_remote_and_set_remote_a_higher_epoch() {
    let mut env = Env::new(1, 1);
    let set: Vec<[u8; 20]> = validators(1).iter().map(|v| v.address).collect();
    // No remote 9 yet: the address is not a program account.
    let rotate_9 = rotate_action(9, 2, 1, &set);
    expect_err(
        env.govern(&rotate_9, vec![AccountMeta::new(remote_pda(9), false)]),
        "UnknownRemote",
    );
    // Rotating ORIGIN with remote 9's PDA.
    expect_ok(env.set_remote(9, evm_bridge(9), 1, 1, &set));
    let rotate = rotate_action(ORIGIN, 2, 1, &set);
    expect_err(
        env.govern(&rotate, vec![AccountMeta::new(remote_pda(9), false)]),
        "UnknownRemote",
    );
    // Replacing an existing remote: the epoch must increase; then bridge and set change.
    expect_err(
        env.set_remote(9, evm_bridge(8), 1, 1, &set),
        "EpochNotIncreasing",
    );
    let two: Vec<[u8; 20]> = validators(2).iter().map(|v| v.address).collect();
    expect_ok(env.set_remote(9, evm_bridge(8), 3, 2, &two));
    let data = env.data(&remote_pda(9));
    assert_eq!(&data[13..45], &evm_bridge(8));
    assert_eq!(u64::from_le_bytes(data[46..54].try_into().unwrap()), 3);
    assert_eq!(data[54], 2);
    assert_eq!(u32::from_le_bytes(data[55..59].try_into().unwrap()), 2);
    expect_err(env.rotate(1, 1, &set), "EpochNotIncreasing");
}

#[test]
fn substituted_accounts_are_refused() {
    let mut env = Env::new(1, 1);
    let addrs: Vec<[u8; 20]> = validators(1).iter().map(|v| v.address).collect();
    let action = rotate_action(ORIGIN, 2, 1, &addrs);
    let admin = env.admin.insecure_clone();
    let id = env.next_proposal();

    // A fake config: the real config's bytes at another address owned by the program.
    let fake = Pubkey::new_unique();
    let config_bytes = env.data(&config_pda());
    env.put(fake, PROGRAM_ID, config_bytes.clone());
    let mut ix = env.propose_ix(id, &action);
    ix.accounts[1] = AccountMeta::new(fake, false);
    expect_err(env.send(&[ix], &[&admin]), "WrongAccountAddress");
    // The config's bytes owned by another program at a fresh address.
    let foreign = Pubkey::new_unique();
    env.put(foreign, TOKEN_PROGRAM, config_bytes);
    let mut ix = env.propose_ix(id, &action);
    ix.accounts[1] = AccountMeta::new(foreign, false);
    expect_err(env.send(&[ix], &[&admin]), "WrongAccountOwner");
    // A fake clock sysvar.
    let fake_clock = Pubkey::new_unique();
    env.put(fake_clock, SYSTEM_PROGRAM, vec![0xff; 40]);
    let mut ix = env.propose_ix(id, &action);
    ix.accounts[3] = AccountMeta::new_readonly(fake_clock, false);
    expect_err(env.send(&[ix], &[&admin]), "WrongAccountAddress");
    // A proposal account that is not the next PDA.
    let mut ix = env.propose_ix(id, &action);
    ix.accounts[2] = AccountMeta::new(proposal_pda(id + 1), false);
    expect_err(env.send(&[ix], &[&admin]), "WrongAccountAddress");

    expect_ok(env.send(&[env.propose_ix(id, &action)], &[&admin]));
    env.bump_proposal();
    env.advance(ADMIN_DELAY);
    // Executing with another proposal's PDA / a forged proposal account.
    let forged = Pubkey::new_unique();
    let proposal_bytes = env.data(&proposal_pda(id));
    env.put(forged, PROGRAM_ID, proposal_bytes);
    let mut ix = env.execute_proposal_ix(id, origin_remote());
    ix.accounts[2] = AccountMeta::new(forged, false);
    expect_err(env.send(&[ix], &[]), "WrongAccountAddress");
    let mut ix = env.execute_proposal_ix(id, origin_remote());
    ix.accounts[4] = AccountMeta::new_readonly(TOKEN_PROGRAM, false);
    expect_err(env.send(&[ix], &[]), "WrongAccountAddress");
    let mut ix = env.execute_proposal_ix(id, origin_remote());
    ix.accounts[1] = AccountMeta::new_readonly(config_pda(), false);
    expect_err(env.send(&[ix], &[]), "NotWritable");
    expect_ok(env.send(&[env.execute_proposal_ix(id, origin_remote())], &[]));
}

#[test]
fn cancel_proposal_checks_its_accounts() {
    let mut env = Env::new(1, 1);
    let addrs: Vec<[u8; 20]> = validators(1).iter().map(|v| v.address).collect();
    let id = env.next_proposal();
    let admin = env.admin.insecure_clone();
    expect_ok(env.send(
        &[env.propose_ix(id, &rotate_action(ORIGIN, 2, 1, &addrs))],
        &[&admin],
    ));
    env.bump_proposal();
    let forged = Pubkey::new_unique();
    let bytes = env.data(&proposal_pda(id));
    env.put(forged, PROGRAM_ID, bytes);
    let fake_config = Pubkey::new_unique();
    let bytes = env.data(&config_pda());
    env.put(fake_config, PROGRAM_ID, bytes);
    let mut ix = cancel_proposal_ix(&admin.pubkey(), id);
    ix.accounts[2] = AccountMeta::new(forged, false);
    expect_err(env.send(&[ix], &[&admin]), "WrongAccountAddress");
    let mut ix = cancel_proposal_ix(&admin.pubkey(), id);
    ix.accounts[1] = AccountMeta::new_readonly(fake_config, false);
    expect_err(env.send(&[ix], &[&admin]), "WrongAccountAddress");
    let mut ix = cancel_proposal_ix(&admin.pubkey(), id);
    ix.accounts[0] = AccountMeta::new_readonly(admin.pubkey(), false);
    expect_err(env.send(&[ix], &[]), "MissingSignature");
    // Another id than the account's.
    let mut ix = cancel_proposal_ix(&admin.pubkey(), id + 1);
    ix.accounts[2] = AccountMeta::new(proposal_pda(id), false);
    expect_err(env.send(&[ix], &[&admin]), "WrongAccountAddress");
    expect_ok(env.send(&[cancel_proposal_ix(&admin.pubkey(), id)], &[&admin]));
    expect_err(
        env.send(&[cancel_proposal_ix(&admin.pubkey(), id)], &[&admin]),
        "ProposalNotPending",
    );
}

#[test]
fn approve_proposal_checks_its_accounts() {
    let mut env = Env::new(1, 1);
    let guardian = env.guardian.insecure_clone();
    let admin = env.admin.insecure_clone();
    let g2 = Keypair::new();
    let id = env
        .propose(&set_roles_action(&admin.pubkey(), &g2.pubkey()))
        .unwrap();
    let forged = Pubkey::new_unique();
    env.put(forged, PROGRAM_ID, env.data(&proposal_pda(id)));
    let fake_config = Pubkey::new_unique();
    env.put(fake_config, PROGRAM_ID, env.data(&config_pda()));
    let foreign_config = Pubkey::new_unique();
    env.put(foreign_config, TOKEN_PROGRAM, env.data(&config_pda()));
    let fake_clock = Pubkey::new_unique();
    env.put(fake_clock, SYSTEM_PROGRAM, vec![0xff; 40]);
    let cases: Vec<(usize, AccountMeta, &str)> = vec![
        (
            1,
            AccountMeta::new_readonly(fake_config, false),
            "WrongAccountAddress",
        ),
        (
            1,
            AccountMeta::new_readonly(foreign_config, false),
            "WrongAccountOwner",
        ),
        (2, AccountMeta::new(forged, false), "WrongAccountAddress"),
        (
            2,
            AccountMeta::new_readonly(proposal_pda(id), false),
            "NotWritable",
        ),
        (
            3,
            AccountMeta::new_readonly(fake_clock, false),
            "WrongAccountAddress",
        ),
    ];
    for (index, meta, err) in cases {
        let mut ix = approve_proposal_ix(&guardian.pubkey(), id);
        ix.accounts[index] = meta;
        expect_err(env.send(&[ix], &[&guardian]), err);
    }
    // Another id than the account's.
    let mut ix = approve_proposal_ix(&guardian.pubkey(), id + 1);
    ix.accounts[2] = AccountMeta::new(proposal_pda(id), false);
    expect_err(env.send(&[ix], &[&guardian]), "WrongAccountAddress");
    let mut short = approve_proposal_ix(&guardian.pubkey(), id);
    short.accounts.truncate(3);
    expect_err(env.send(&[short], &[&guardian]), "NotEnoughAccounts");
    expect_ok(env.send(&[approve_proposal_ix(&guardian.pubkey(), id)], &[&guardian]));
}

/// Every validator set of the shared vectors as a remote's initial set (`SetRemote`): accepted
/// iff `config_error` is null, else refused with that code (the configuration-time rules).
#[test]
fn validator_set_vectors() {
    let sets = vectors()["validator_sets"].as_array().unwrap();
    assert!(!sets.is_empty());
    let mut env = Env::new(1, 1);
    for (i, set) in sets.iter().enumerate() {
        let name = set["name"].as_str().unwrap();
        let validators: Vec<[u8; 20]> = set["validators"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| hexv(v.as_str().unwrap()).try_into().unwrap())
            .collect();
        let domain = 100 + i as u32;
        let out = env.set_remote(
            domain,
            evm_bridge(1),
            set["epoch"].as_u64().unwrap(),
            set["threshold"].as_u64().unwrap() as u8,
            &validators,
        );
        match set["config_error"].as_str() {
            None => {
                expect_ok(out);
                let data = env.data(&remote_pda(domain));
                assert_eq!(
                    data[54] as u64,
                    set["threshold"].as_u64().unwrap(),
                    "{name}"
                );
            }
            Some(err) => {
                assert_eq!(
                    custom_code(&out),
                    Some(code(err)),
                    "vector {name}: expected {err}"
                );
            }
        }
    }
}

#[test]
fn refuses_too_many_validators() {
    // 256 ascending non-zero addresses: too large for one transaction anyway, so refused either
    // by the program or by the transaction size limit, never accepted.
    let many: Vec<[u8; 20]> = (1..=256u32)
        .map(|i| {
            let mut a = [0u8; 20];
            a[16..].copy_from_slice(&i.to_be_bytes());
            a
        })
        .collect();
    let mut env = Env::new(1, 1);
    assert!(env.set_remote(5, evm_bridge(1), 1, 200, &many).is_err());
    assert!(env.svm.get_account(&remote_pda(5)).is_none());
}
