//! Instruction builders that need no `Env` (token accounts, `send`, `execute_queued`,
//! `cancel_queued`, `close_signatures`, `execute_message`, the governance actions), and the
//! readers of the program's events (log lines and self-CPI inner instructions).

use litesvm::types::TransactionMetadata;
use solana_instruction::{AccountMeta, Instruction};
use solana_pubkey::Pubkey;

use super::*;

/// Remote kind: an EVM chain (pays 20-byte addresses).
pub const KIND_EVM: u8 = 0;
/// Remote kind: a Solana chain.
pub const KIND_SOLANA: u8 = 1;

/// SPL token account bytes.
pub fn token_account_data(mint: &Pubkey, owner: &Pubkey, amount: u64) -> Vec<u8> {
    let mut data = vec![0u8; 165];
    data[0..32].copy_from_slice(mint.as_ref());
    data[32..64].copy_from_slice(owner.as_ref());
    data[64..72].copy_from_slice(&amount.to_le_bytes());
    data[108] = 1;
    data
}

/// The token accounts of `deliver` / `execute_queued`.
#[derive(Clone)]
pub struct TokenAccounts {
    pub token_config: Pubkey,
    pub route: Pubkey,
    pub mint: Pubkey,
    pub vault: Pubkey,
    pub beneficiary_token: Pubkey,
    pub authority: Pubkey,
    pub token_program: Pubkey,
}

impl TokenAccounts {
    /// A home token, delivered from ORIGIN.
    pub fn home(token_id: &[u8; 32], mint: &Pubkey, beneficiary_token: &Pubkey) -> Self {
        Self {
            token_config: token_pda(token_id),
            route: route_pda(token_id, ORIGIN),
            mint: *mint,
            vault: vault_pda(mint),
            beneficiary_token: *beneficiary_token,
            authority: authority_pda(),
            token_program: TOKEN_PROGRAM,
        }
    }

    /// A bridged mint, delivered from ORIGIN.
    pub fn bridged(token_id: &[u8; 32], mint: &Pubkey, beneficiary_token: &Pubkey) -> Self {
        Self {
            vault: PROGRAM_ID,
            ..Self::home(token_id, mint, beneficiary_token)
        }
    }

    /// The same accounts for a delivery from `origin` (its route).
    pub fn with_origin(mut self, token_id: &[u8; 32], origin: u32) -> Self {
        self.route = route_pda(token_id, origin);
        self
    }

    pub fn metas(&self) -> Vec<AccountMeta> {
        vec![
            AccountMeta::new_readonly(self.token_config, false),
            AccountMeta::new(self.route, false),
            AccountMeta::new(self.mint, false),
            vault_meta(&self.vault),
            AccountMeta::new(self.beneficiary_token, false),
            AccountMeta::new_readonly(self.authority, false),
            AccountMeta::new_readonly(self.token_program, false),
        ]
    }
}

/// The vault account of `send`/`deliver`/`execute_queued`: writable for a home token's vault;
/// this program's id, read-only, for a bridged mint (nothing is written there).
pub fn vault_meta(vault: &Pubkey) -> AccountMeta {
    if *vault == PROGRAM_ID {
        AccountMeta::new_readonly(PROGRAM_ID, false)
    } else {
        AccountMeta::new(*vault, false)
    }
}

/// `execute_queued` instruction.
pub fn execute_queued_ix(key: &Key, t: &TokenAccounts) -> Instruction {
    let mut accounts = vec![
        AccountMeta::new_readonly(config_pda(), false),
        AccountMeta::new(receipt_pda(key), false),
        AccountMeta::new_readonly(CLOCK, false),
    ];
    accounts.extend(t.metas());
    Instruction::new_with_bytes(
        PROGRAM_ID,
        &key.encode(Borsh::ix("execute_queued")).0,
        accounts,
    )
}

/// `close_signatures` instruction: `payer` closes the staged set at `set`.
pub fn close_signatures_ix(payer: &Pubkey, set: &Pubkey) -> Instruction {
    Instruction::new_with_bytes(
        PROGRAM_ID,
        &Borsh::ix("close_signatures").0,
        vec![
            AccountMeta::new(*payer, true),
            AccountMeta::new(*set, false),
        ],
    )
}

/// `cancel_queued` instruction; `route` is the transfer's route.
pub fn cancel_queued_ix(guardian: &Pubkey, key: &Key, route: &Pubkey) -> Instruction {
    Instruction::new_with_bytes(
        PROGRAM_ID,
        &key.encode(Borsh::ix("cancel_queued")).0,
        vec![
            AccountMeta::new_readonly(*guardian, true),
            AccountMeta::new_readonly(config_pda(), false),
            AccountMeta::new(receipt_pda(key), false),
            AccountMeta::new(*route, false),
        ],
    )
}

/// The event accounts of `send` (and the `RefundCancelled` action): the event authority and
/// the program.
pub fn event_metas() -> Vec<AccountMeta> {
    vec![
        AccountMeta::new_readonly(event_authority_pda(), false),
        AccountMeta::new_readonly(PROGRAM_ID, false),
    ]
}

/// What a `send` moves.
#[derive(Clone, Copy)]
pub struct SendArgs {
    pub destination: u32,
    pub token_id: [u8; 32],
    pub beneficiary: [u8; 32],
    pub amount: u64,
}

/// `send` instruction with `max_fee` 0 (a destination without fee config is free).
pub fn send_ix(
    sender: &Pubkey,
    args: &SendArgs,
    sender_token: &Pubkey,
    mint: &Pubkey,
    vault: &Pubkey,
) -> Instruction {
    send_ix_max_fee(sender, args, sender_token, mint, vault, 0)
}

/// `send` instruction paying at most `max_fee` lamports (the sender is writable: it pays the
/// fee).
pub fn send_ix_max_fee(
    sender: &Pubkey,
    args: &SendArgs,
    sender_token: &Pubkey,
    mint: &Pubkey,
    vault: &Pubkey,
    max_fee: u64,
) -> Instruction {
    let mut accounts = vec![
        AccountMeta::new(*sender, true),
        AccountMeta::new(config_pda(), false),
        AccountMeta::new_readonly(remote_pda(args.destination), false),
        AccountMeta::new_readonly(token_pda(&args.token_id), false),
        AccountMeta::new(route_pda(&args.token_id, args.destination), false),
        AccountMeta::new(*sender_token, false),
        AccountMeta::new(*mint, false),
        vault_meta(vault),
        AccountMeta::new_readonly(TOKEN_PROGRAM, false),
        AccountMeta::new_readonly(CLOCK, false),
    ];
    accounts.extend(event_metas());
    accounts.extend([
        AccountMeta::new_readonly(fee_config_pda(args.destination), false),
        AccountMeta::new(fee_vault_pda(), false),
        AccountMeta::new_readonly(SYSTEM_PROGRAM, false),
    ]);
    Instruction::new_with_bytes(
        PROGRAM_ID,
        &Borsh::ix("send")
            .u32(args.destination)
            .raw(&args.token_id)
            .raw(&args.beneficiary)
            .u64(args.amount)
            .u64(max_fee)
            .0,
        accounts,
    )
}

/// `execute_message` instruction for a delivered message to `recipient`, with pass-through
/// accounts.
pub fn execute_message_ix(
    message: &[u8],
    receipt: &Pubkey,
    recipient: &Pubkey,
    passthrough: Vec<AccountMeta>,
) -> Instruction {
    let mut accounts = vec![
        AccountMeta::new_readonly(config_pda(), false),
        AccountMeta::new(*receipt, false),
        AccountMeta::new_readonly(messenger_pda(recipient), false),
        AccountMeta::new_readonly(*recipient, false),
        AccountMeta::new_readonly(INSTRUCTIONS, false),
    ];
    accounts.extend(passthrough);
    Instruction::new_with_bytes(
        PROGRAM_ID,
        &Borsh::ix("execute_message").bytes(message).0,
        accounts,
    )
}

/// The "Program data:" fields logged by any program (base64-decoded).
pub fn program_data(logs: &[String]) -> Vec<Vec<Vec<u8>>> {
    use base64::Engine as _;
    logs.iter()
        .filter_map(|l| l.strip_prefix("Program data: "))
        .map(|rest| {
            rest.split(' ')
                .map(|f| base64::engine::general_purpose::STANDARD.decode(f).unwrap())
                .collect()
        })
        .collect()
}

/// The Anchor event discriminator `sha256("event:<Name>")[..8]`.
pub fn event_disc(name: &str) -> [u8; 8] {
    sha2::Sha256::digest(format!("event:{name}").as_bytes())[..8]
        .try_into()
        .unwrap()
}

/// The Borsh fields of every logged event `name` (one-field `Program data:` lines starting
/// with its discriminator).
pub fn logged_events(logs: &[String], name: &str) -> Vec<Vec<u8>> {
    let disc = event_disc(name);
    program_data(logs)
        .into_iter()
        .filter(|fields| fields.len() == 1 && fields[0].starts_with(&disc))
        .map(|fields| fields[0][8..].to_vec())
        .collect()
}

/// The self-CPI events of a transaction: inner instructions to this program whose data starts
/// with `EVENT_IX_TAG` and whose only account is the event authority; returns each event's
/// bytes after the tag (discriminator and fields).
pub fn cpi_events(meta: &TransactionMetadata, keys: &[Pubkey]) -> Vec<Vec<u8>> {
    meta.inner_instructions
        .iter()
        .flatten()
        .filter(|inner| keys[inner.instruction.program_id_index as usize] == PROGRAM_ID)
        .filter(|inner| inner.instruction.data.starts_with(&EVENT_IX_TAG))
        .map(|inner| {
            let accounts: Vec<Pubkey> = inner
                .instruction
                .accounts
                .iter()
                .map(|i| keys[*i as usize])
                .collect();
            assert_eq!(accounts, vec![event_authority_pda()], "event accounts");
            inner.instruction.data[8..].to_vec()
        })
        .collect()
}

/// A decoded `MessageSent { id, destination, nonce, message }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageSent {
    pub id: [u8; 32],
    pub destination: u32,
    pub nonce: u64,
    pub message: Vec<u8>,
}

impl MessageSent {
    /// Decodes the Borsh fields (after the discriminator), strictly.
    pub fn decode(fields: &[u8]) -> Self {
        let len = u32::from_le_bytes(fields[44..48].try_into().unwrap()) as usize;
        assert_eq!(fields.len(), 48 + len, "MessageSent length");
        Self {
            id: fields[..32].try_into().unwrap(),
            destination: u32::from_le_bytes(fields[32..36].try_into().unwrap()),
            nonce: u64::from_le_bytes(fields[36..44].try_into().unwrap()),
            message: fields[48..].to_vec(),
        }
    }

    /// The `MessageSent` events of a transaction, read from its inner instructions; asserts
    /// the logged copies are the same.
    pub fn of(meta: &TransactionMetadata, keys: &[Pubkey]) -> Vec<Self> {
        let disc = event_disc("MessageSent");
        let from_cpi: Vec<Self> = cpi_events(meta, keys)
            .into_iter()
            .filter(|e| e.starts_with(&disc))
            .map(|e| Self::decode(&e[8..]))
            .collect();
        let from_logs: Vec<Self> = logged_events(&meta.logs, "MessageSent")
            .iter()
            .map(|e| Self::decode(e))
            .collect();
        assert_eq!(
            from_cpi, from_logs,
            "self-CPI and logged MessageSent differ"
        );
        from_cpi
    }
}

/// The `SetRemote` action (tag 1).
pub fn set_remote_action(
    domain: u32,
    bridge: &[u8; 32],
    kind: u8,
    epoch: u64,
    threshold: u8,
    validators: &[[u8; 20]],
) -> Vec<u8> {
    Borsh::default()
        .u8(1)
        .u32(domain)
        .raw(bridge)
        .u8(kind)
        .u64(epoch)
        .u8(threshold)
        .addrs(validators)
        .0
}

/// The `SetValidatorSet` action (tag 0) for remote `domain`.
pub fn rotate_action(domain: u32, epoch: u64, threshold: u8, validators: &[[u8; 20]]) -> Vec<u8> {
    Borsh::default()
        .u8(0)
        .u32(domain)
        .u64(epoch)
        .u8(threshold)
        .addrs(validators)
        .0
}

/// The `RegisterToken` action (tag 2) with the timelock of `limits`.
pub fn register_action(
    home_domain: u32,
    home_token: &[u8; 32],
    mint: &Pubkey,
    scale: u8,
    limits: &Limits,
) -> Vec<u8> {
    limits
        .timelock(
            Borsh::default()
                .u8(2)
                .u32(home_domain)
                .raw(home_token)
                .raw(mint.as_ref())
                .u8(scale),
        )
        .0
}

/// The `SetTokenLimits` action (tag 3): the timelock of `limits`.
pub fn token_limits_action(token_id: &[u8; 32], limits: &Limits) -> Vec<u8> {
    limits.timelock(Borsh::default().u8(3).raw(token_id)).0
}

/// The `Unpause` action (tag 4).
pub const UNPAUSE: [u8; 1] = [4];

/// The `SetRoles` action (tag 5).
pub fn set_roles_action(admin: &Pubkey, guardian: &Pubkey) -> Vec<u8> {
    Borsh::default()
        .u8(5)
        .raw(admin.as_ref())
        .raw(guardian.as_ref())
        .0
}

/// The extra accounts of a `SetRoles` (proposed and executed): the fee roles, read-only.
pub fn set_roles_accounts() -> Vec<AccountMeta> {
    vec![AccountMeta::new_readonly(fee_roles_pda(), false)]
}

/// `clear_fee_oracle` signed by `guardian`.
pub fn clear_fee_oracle_ix(guardian: &Pubkey) -> Instruction {
    Instruction::new_with_bytes(
        PROGRAM_ID,
        &Borsh::ix("clear_fee_oracle").0,
        vec![
            AccountMeta::new_readonly(*guardian, true),
            AccountMeta::new_readonly(config_pda(), false),
            AccountMeta::new(fee_roles_pda(), false),
        ],
    )
}

/// The `SetRoute` action (tag 6) with the route part of `limits`.
pub fn set_route_action(token_id: &[u8; 32], domain: u32, limits: &Limits) -> Vec<u8> {
    limits
        .route(Borsh::default().u8(6).raw(token_id).u32(domain))
        .0
}

/// `SetRoute`'s accounts after `execute_proposal`'s own: `token_config`, `route` (writable),
/// `remote` (of the route's domain).
pub fn set_route_accounts(token_id: &[u8; 32], domain: u32) -> Vec<AccountMeta> {
    vec![
        AccountMeta::new_readonly(token_pda(token_id), false),
        AccountMeta::new(route_pda(token_id, domain), false),
        AccountMeta::new_readonly(remote_pda(domain), false),
    ]
}

/// A remote EVM bridge: the address `[byte; 20]` left-padded with 12 zero bytes.
pub fn evm_bridge(byte: u8) -> [u8; 32] {
    let mut b = [0u8; 32];
    b[12..].fill(byte);
    b
}

/// The `SetAdminDelay` action (tag 7).
pub fn set_admin_delay_action(delay: i64) -> Vec<u8> {
    Borsh::default().u8(7).i64(delay).0
}

/// The `VoidQueued` action (tag 8).
pub fn void_queued_action(key: &Key) -> Vec<u8> {
    key.encode(Borsh::default().u8(8)).0
}

/// The `RefundCancelled` action (tag 9).
pub fn refund_action(key: &Key) -> Vec<u8> {
    key.encode(Borsh::default().u8(9)).0
}

/// The `Upgrade` action (tag 10): `code_hash` is sha256 of the buffer's program bytes.
pub fn upgrade_action(buffer: &Pubkey, spill: &Pubkey, code_hash: &[u8; 32]) -> Vec<u8> {
    Borsh::default()
        .u8(10)
        .raw(buffer.as_ref())
        .raw(spill.as_ref())
        .raw(code_hash)
        .0
}

/// sha256 of `bytes` (an `Upgrade`'s code hash of a buffer holding exactly them).
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).into()
}

/// A loader buffer account's data: state `Buffer`, `Some(authority)`, then `program`.
pub fn buffer_data(authority: &Pubkey, program: &[u8]) -> Vec<u8> {
    let mut data = 1u32.to_le_bytes().to_vec();
    data.push(1);
    data.extend_from_slice(authority.as_ref());
    data.extend_from_slice(program);
    data
}

/// The `approve_proposal` instruction by `guardian`.
pub fn approve_proposal_ix(guardian: &Pubkey, id: u64) -> Instruction {
    Instruction::new_with_bytes(
        PROGRAM_ID,
        &Borsh::ix("approve_proposal").u64(id).0,
        vec![
            AccountMeta::new_readonly(*guardian, true),
            AccountMeta::new_readonly(config_pda(), false),
            AccountMeta::new(proposal_pda(id), false),
            AccountMeta::new_readonly(CLOCK, false),
        ],
    )
}

/// `cancel_proposal` instruction by `authority` (admin or guardian).
pub fn cancel_proposal_ix(authority: &Pubkey, id: u64) -> Instruction {
    Instruction::new_with_bytes(
        PROGRAM_ID,
        &Borsh::ix("cancel_proposal").u64(id).0,
        vec![
            AccountMeta::new_readonly(*authority, true),
            AccountMeta::new_readonly(config_pda(), false),
            AccountMeta::new(proposal_pda(id), false),
        ],
    )
}

/// A destination's fee configuration as the `SetFeeConfig` action encodes it (the field order
/// of `trestle_bridge::FeeConfig`, without `last_update`, which the program keeps).
pub fn encode_fee_config(b: Borsh, c: &trestle_bridge::FeeConfig) -> Borsh {
    b.u128(c.gas_price)
        .u128(c.exchange_rate)
        .u128(c.fixed_cost)
        .u64(c.message_gas)
        .u64(c.signatures_gas)
        .u64(c.transfer_gas)
        .u32(c.gas_per_byte)
}

/// The `SetFeeConfig` action (tag 11).
pub fn set_fee_config_action(destination: u32, c: &trestle_bridge::FeeConfig) -> Vec<u8> {
    encode_fee_config(Borsh::default().u8(11).u32(destination), c).0
}

/// `SetFeeConfig`'s accounts after `execute_proposal`'s own.
pub fn set_fee_config_accounts(destination: u32) -> Vec<AccountMeta> {
    vec![
        AccountMeta::new(fee_config_pda(destination), false),
        AccountMeta::new(fee_vault_pda(), false),
        AccountMeta::new_readonly(remote_pda(destination), false),
    ]
}

/// The `SetFeeRoles` action (tag 12).
pub fn set_fee_roles_action(oracle: &Pubkey, beneficiary: &Pubkey) -> Vec<u8> {
    Borsh::default()
        .u8(12)
        .raw(oracle.as_ref())
        .raw(beneficiary.as_ref())
        .0
}

/// `SetFeeRoles`' accounts after `execute_proposal`'s own.
pub fn set_fee_roles_accounts() -> Vec<AccountMeta> {
    vec![
        AccountMeta::new(fee_roles_pda(), false),
        AccountMeta::new(fee_vault_pda(), false),
    ]
}

/// `update_fee_prices` signed by `oracle`.
pub fn update_fee_prices_ix(
    oracle: &Pubkey,
    destination: u32,
    gas_price: u128,
    exchange_rate: u128,
) -> Instruction {
    Instruction::new_with_bytes(
        PROGRAM_ID,
        &Borsh::ix("update_fee_prices")
            .u32(destination)
            .u128(gas_price)
            .u128(exchange_rate)
            .0,
        vec![
            AccountMeta::new_readonly(*oracle, true),
            AccountMeta::new_readonly(fee_roles_pda(), false),
            AccountMeta::new(fee_config_pda(destination), false),
            AccountMeta::new_readonly(CLOCK, false),
        ],
    )
}

/// `quote(destination, gas_limit, body_len)`: the fee in the return data.
pub fn quote_ix(destination: u32, gas_limit: u64, body_len: u64) -> Instruction {
    Instruction::new_with_bytes(
        PROGRAM_ID,
        &Borsh::ix("quote")
            .u32(destination)
            .u64(gas_limit)
            .u64(body_len)
            .0,
        vec![AccountMeta::new_readonly(
            fee_config_pda(destination),
            false,
        )],
    )
}

/// `pay_for_gas(id, destination, lamports)` paid by `payer`.
pub fn pay_for_gas_ix(
    payer: &Pubkey,
    id: &[u8; 32],
    destination: u32,
    lamports: u64,
) -> Instruction {
    let mut accounts = vec![
        AccountMeta::new(*payer, true),
        AccountMeta::new(fee_vault_pda(), false),
        AccountMeta::new_readonly(SYSTEM_PROGRAM, false),
    ];
    accounts.extend(event_metas());
    Instruction::new_with_bytes(
        PROGRAM_ID,
        &Borsh::ix("pay_for_gas")
            .raw(id)
            .u32(destination)
            .u64(lamports)
            .0,
        accounts,
    )
}

/// `withdraw_fees()` to `beneficiary`.
pub fn withdraw_fees_ix(beneficiary: &Pubkey) -> Instruction {
    Instruction::new_with_bytes(
        PROGRAM_ID,
        &Borsh::ix("withdraw_fees").0,
        vec![
            AccountMeta::new_readonly(fee_roles_pda(), false),
            AccountMeta::new(fee_vault_pda(), false),
            AccountMeta::new(*beneficiary, false),
        ],
    )
}

/// The `GasPaid { id, destination, amount }` events of a transaction (self-CPI), checked
/// equal to the logged ones.
pub fn gas_paid_events(meta: &TransactionMetadata, keys: &[Pubkey]) -> Vec<([u8; 32], u32, u64)> {
    let disc = event_disc("GasPaid");
    let decode = |f: &[u8]| {
        assert_eq!(f.len(), 44, "GasPaid length");
        (
            f[..32].try_into().unwrap(),
            u32::from_le_bytes(f[32..36].try_into().unwrap()),
            u64::from_le_bytes(f[36..44].try_into().unwrap()),
        )
    };
    let from_cpi: Vec<_> = cpi_events(meta, keys)
        .into_iter()
        .filter(|e| e.starts_with(&disc))
        .map(|e| decode(&e[8..]))
        .collect();
    let from_logs: Vec<_> = logged_events(&meta.logs, "GasPaid")
        .iter()
        .map(|e| decode(e))
        .collect();
    assert_eq!(from_cpi, from_logs, "self-CPI and logged GasPaid differ");
    from_cpi
}
