//! Tests of the account decoders on hand-built account data.

use super::*;

fn config_bytes() -> Vec<u8> {
    let mut d = account_discriminator("Config").to_vec();
    d.push(254); // bump
    d.extend_from_slice(&2u32.to_le_bytes());
    d.extend_from_slice(&[1; 32]);
    d.extend_from_slice(&[2; 32]);
    d.push(1); // paused
    d.extend_from_slice(&1_000i64.to_le_bytes()); // paused_at
    d.extend_from_slice(&7u64.to_le_bytes());
    d.extend_from_slice(&3600i64.to_le_bytes());
    d.extend_from_slice(&3u64.to_le_bytes());
    d.extend_from_slice(&5u64.to_le_bytes()); // pause_count
    d
}

#[test]
fn config_decodes_and_bad_data_names_the_account() {
    let data = config_bytes();
    assert_eq!(data.len(), Config::LEN);
    let c = Config::decode(&data).unwrap();
    assert_eq!(
        (c.bump, c.domain, c.paused, c.outbound_nonce, c.admin_delay),
        (254, 2, true, 7, 3600)
    );
    assert_eq!((c.paused_at, c.pause_count), (1_000, 5));
    assert_eq!(
        (c.admin.0, c.guardian.0, c.next_proposal),
        ([1; 32], [2; 32], 3)
    );

    let short = Config::decode(&data[..50]).unwrap_err();
    assert_eq!(short.code(), "invalid_account");
    assert!(
        short.to_string().starts_with("Config account: 50 bytes"),
        "{short}"
    );
    let mut other = data.clone();
    other[..8].copy_from_slice(&account_discriminator("Remote"));
    assert!(
        Config::decode(&other)
            .unwrap_err()
            .to_string()
            .contains("discriminator")
    );
    let mut bad_bool = data.clone();
    bad_bool[77] = 2;
    assert!(
        Config::decode(&bad_bool)
            .unwrap_err()
            .to_string()
            .contains("paused")
    );
    let mut long = data;
    long.push(0);
    assert!(Config::decode(&long).is_err());
}

#[test]
fn remote_decodes_its_set_and_refuses_an_impossible_count() {
    let mut d = account_discriminator("Remote").to_vec();
    d.push(1);
    d.extend_from_slice(&5u32.to_le_bytes());
    d.extend_from_slice(&[0xab; 32]);
    d.push(1); // kind: Solana
    d.extend_from_slice(&9u64.to_le_bytes());
    d.push(2);
    d.extend_from_slice(&2u32.to_le_bytes());
    d.extend_from_slice(&[1; 20]);
    d.extend_from_slice(&[2; 20]);
    assert_eq!(Remote::VALIDATORS_OFFSET + 40, d.len());
    d.resize(Remote::LEN, 0);
    let r = Remote::decode(&d).unwrap();
    assert_eq!(
        (r.domain, r.bridge, r.kind, r.epoch, r.threshold),
        (5, [0xab; 32], RemoteKind::Solana, 9, 2)
    );
    assert_eq!(r.validators, vec![[1; 20], [2; 20]]);
    d[55..59].copy_from_slice(&256u32.to_le_bytes());
    let e = Remote::decode(&d).unwrap_err().to_string();
    assert!(e.starts_with("Remote account: validators holds 256"), "{e}");
    d[55..59].copy_from_slice(&255u32.to_le_bytes());
    assert!(Remote::decode(&d[..Remote::LEN - 1]).is_err());
    d[45] = 2;
    let e = Remote::decode(&d).unwrap_err().to_string();
    assert_eq!(e, "Remote account: unknown kind 2");
}

#[test]
fn receipt_refuses_an_unknown_status() {
    let mut d = account_discriminator("Receipt").to_vec();
    d.resize(Receipt::LEN, 0);
    d[9] = 2;
    d[10] = 1;
    d[47..79].fill(0xb1);
    d[79..87].copy_from_slice(&5u64.to_le_bytes());
    let r = Receipt::decode(&d).unwrap();
    assert_eq!(
        r.key(),
        crate::solana::ReceiptKey {
            origin: 0,
            origin_bridge: [0xb1; 32],
            nonce: 5
        }
    );
    assert_eq!(
        (r.status, r.queue_reason),
        (ReceiptStatus::Queued, QueueReason::Timelock)
    );
    d[9] = 0;
    let e = Receipt::decode(&d).unwrap_err().to_string();
    assert_eq!(e, "Receipt account: unknown status 0");
    d[9] = 1;
    d[10] = 3;
    assert!(Receipt::decode(&d).is_err());
}

#[test]
fn proposal_decodes_its_action() {
    let action = Action::Unpause;
    let bytes = action.encode();
    let mut d = account_discriminator("Proposal").to_vec();
    d.push(3);
    d.extend_from_slice(&4u64.to_le_bytes());
    d.push(0);
    d.extend_from_slice(&99i64.to_le_bytes());
    d.extend_from_slice(&42i64.to_le_bytes());
    d.extend_from_slice(&6u64.to_le_bytes()); // pause_count
    d.extend_from_slice(&[0; 32]); // approved_by: none
    d.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
    d.extend_from_slice(&bytes);
    let p = Proposal::decode(&d).unwrap();
    assert_eq!(
        (p.id, p.status, p.eta, p.created_at, p.pause_count, p.action),
        (4, ProposalStatus::Pending, 99, 42, 6, action)
    );
    assert_eq!(p.approved_by, None);
    d[42..74].copy_from_slice(&[7; 32]);
    assert_eq!(
        Proposal::decode(&d).unwrap().approved_by,
        Some(SolanaAddress([7; 32]))
    );
    d[17] = 3;
    assert!(Proposal::decode(&d).is_err());
    d[17] = 0;
    *d.last_mut().unwrap() = 13;
    let e = Proposal::decode(&d).unwrap_err().to_string();
    assert!(
        e.starts_with("Proposal account: Action: unknown action tag 13"),
        "{e}"
    );
}

#[test]
fn signature_set_and_token_config_check_their_discriminators() {
    let mut d = account_discriminator("SignatureSet").to_vec();
    d.resize(SignatureSet::SIGNERS_OFFSET + 20, 0);
    d[113..117].copy_from_slice(&1u32.to_le_bytes());
    d[117..].fill(7);
    assert_eq!(SignatureSet::decode(&d).unwrap().signers, vec![[7; 20]]);
    d[113..117].copy_from_slice(&2u32.to_le_bytes());
    assert!(SignatureSet::decode(&d).is_err());
    let mut t = account_discriminator("TokenConfig").to_vec();
    t.resize(TokenConfig::LEN, 0);
    assert!(TokenConfig::decode(&t).is_ok());
    t[..8].copy_from_slice(&account_discriminator("Receipt"));
    assert!(TokenConfig::decode(&t).is_err());
}

#[test]
fn route_decodes_its_signed_ledger_and_buckets() {
    let mut d = account_discriminator("Route").to_vec();
    d.push(7); // bump
    d.extend_from_slice(&[3; 32]);
    d.extend_from_slice(&9u32.to_le_bytes());
    d.push(18);
    d.extend_from_slice(&u128::MAX.to_le_bytes());
    d.extend_from_slice(&(-5i128).to_le_bytes());
    d.push(0); // inbound_bounded
    d.push(1); // outbound_bounded
    for v in [100u64, 2, 60, 1_000, 50, 1, 50, 1_001] {
        d.extend_from_slice(&v.to_le_bytes());
    }
    assert_eq!(d.len(), Route::LEN);
    let r = Route::decode(&d).unwrap();
    assert_eq!(
        (r.token_id, r.domain, r.remote_exp, r.remote_max, r.ledger),
        ([3; 32], 9, 18, u128::MAX, -5)
    );
    assert_eq!((r.inbound_bounded, r.outbound_bounded), (false, true));
    assert_eq!(
        (r.inbound.capacity, r.inbound.level, r.outbound.last_update),
        (100, 60, 1_001)
    );
    assert_eq!(r.route_ledger().outbound_available(), Some(5));
    let mut bad = d.clone();
    bad[78] = 2;
    assert!(
        Route::decode(&bad)
            .unwrap_err()
            .to_string()
            .contains("inbound_bounded")
    );
    assert!(Route::decode(&d[..Route::LEN - 1]).is_err());
}

#[test]
fn fee_accounts_decode() {
    let mut d = account_discriminator("FeeConfig").to_vec();
    d.push(254);
    d.extend_from_slice(&7u32.to_le_bytes());
    for v in [1u128, 2, 3] {
        d.extend_from_slice(&v.to_le_bytes());
    }
    for v in [4u64, 5, 6] {
        d.extend_from_slice(&v.to_le_bytes());
    }
    d.extend_from_slice(&8u32.to_le_bytes());
    d.extend_from_slice(&9u64.to_le_bytes());
    let a = FeeConfigAccount::decode(&d).unwrap();
    assert_eq!((a.bump, a.destination), (254, 7));
    assert_eq!(
        a.config,
        crate::FeeConfig {
            gas_price: 1,
            exchange_rate: 2,
            fixed_cost: 3,
            message_gas: 4,
            signatures_gas: 5,
            transfer_gas: 6,
            gas_per_byte: 8,
            last_update: 9,
        }
    );
    d.push(0);
    assert!(FeeConfigAccount::decode(&d).is_err(), "trailing byte");
    let mut r = account_discriminator("FeeRoles").to_vec();
    r.push(1);
    r.extend_from_slice(&[0; 32]);
    r.extend_from_slice(&[3; 32]);
    let roles = FeeRoles::decode(&r).unwrap();
    assert_eq!(roles.oracle, None);
    assert_eq!(roles.beneficiary, Some(SolanaAddress([3; 32])));
    assert!(
        FeeConfigAccount::decode(&r).is_err(),
        "another account type"
    );
}
