//! Anchor wire conventions: the first 8 bytes of an instruction are
//! `sha256("global:<snake_case_name>")[..8]`, the first 8 bytes of an account are
//! `sha256("account:<CamelCaseName>")[..8]`, the first 8 bytes of an event
//! `sha256("event:<CamelCaseName>")[..8]`. The IDL (`idl/trestle_bridge.json`) carries the same
//! bytes; the tests recompute all of them from the names.

/// `initialize`
pub const INITIALIZE: [u8; 8] = [175, 175, 109, 31, 13, 152, 155, 237];
/// `send`
pub const SEND: [u8; 8] = [102, 251, 20, 187, 65, 75, 12, 69];
/// `deliver`
pub const DELIVER: [u8; 8] = [250, 131, 222, 57, 211, 229, 209, 147];
/// `post_signatures`
pub const POST_SIGNATURES: [u8; 8] = [138, 2, 53, 166, 45, 77, 137, 51];
/// `execute_queued`
pub const EXECUTE_QUEUED: [u8; 8] = [46, 222, 101, 163, 190, 174, 15, 137];
/// `cancel_queued`
pub const CANCEL_QUEUED: [u8; 8] = [160, 77, 212, 172, 218, 230, 205, 84];
/// `pause`
pub const PAUSE: [u8; 8] = [211, 22, 221, 251, 74, 121, 193, 47];
/// `propose`
pub const PROPOSE: [u8; 8] = [93, 253, 82, 168, 118, 33, 102, 90];
/// `execute_proposal`
pub const EXECUTE_PROPOSAL: [u8; 8] = [186, 60, 116, 133, 108, 128, 111, 28];
/// `execute_message`
pub const EXECUTE_MESSAGE: [u8; 8] = [252, 138, 50, 12, 225, 130, 152, 6];
/// `cancel_proposal`
pub const CANCEL_PROPOSAL: [u8; 8] = [106, 74, 128, 146, 19, 65, 39, 23];
/// `close_signatures`
pub const CLOSE_SIGNATURES: [u8; 8] = [192, 65, 63, 117, 213, 138, 179, 190];
/// `approve_proposal`
pub const APPROVE_PROPOSAL: [u8; 8] = [136, 108, 102, 85, 98, 114, 7, 147];
/// `update_fee_prices`
pub const UPDATE_FEE_PRICES: [u8; 8] = [145, 206, 13, 213, 111, 76, 18, 212];
/// `quote`
pub const QUOTE: [u8; 8] = [149, 42, 109, 247, 134, 146, 213, 123];
/// `pay_for_gas`
pub const PAY_FOR_GAS: [u8; 8] = [118, 206, 89, 159, 148, 167, 219, 205];
/// `withdraw_fees`
pub const WITHDRAW_FEES: [u8; 8] = [198, 212, 171, 109, 144, 215, 174, 89];
/// `clear_fee_oracle`
pub const CLEAR_FEE_ORACLE: [u8; 8] = [233, 14, 5, 83, 161, 128, 30, 244];

/// Account `Config`
pub const CONFIG_ACCOUNT: [u8; 8] = [155, 12, 170, 224, 30, 250, 204, 130];
/// Account `Remote`
pub const REMOTE_ACCOUNT: [u8; 8] = [142, 141, 61, 250, 205, 173, 146, 34];
/// Account `TokenConfig`
pub const TOKEN_CONFIG_ACCOUNT: [u8; 8] = [92, 73, 255, 43, 107, 51, 117, 101];
/// Account `Route`
pub const ROUTE_ACCOUNT: [u8; 8] = [80, 179, 58, 115, 52, 19, 146, 134];
/// Account `Receipt`
pub const RECEIPT_ACCOUNT: [u8; 8] = [39, 154, 73, 106, 80, 102, 145, 153];
/// Account `SignatureSet`
pub const SIGNATURE_SET_ACCOUNT: [u8; 8] = [17, 212, 246, 114, 183, 159, 65, 246];
/// Account `Proposal`
pub const PROPOSAL_ACCOUNT: [u8; 8] = [26, 94, 189, 187, 116, 136, 53, 33];
/// Account `FeeConfig`
pub const FEE_CONFIG_ACCOUNT: [u8; 8] = [143, 52, 146, 187, 219, 123, 76, 155];
/// Account `FeeRoles`
pub const FEE_ROLES_ACCOUNT: [u8; 8] = [172, 86, 216, 114, 73, 24, 158, 97];
/// Account `FeeVault`
pub const FEE_VAULT_ACCOUNT: [u8; 8] = [192, 178, 69, 232, 58, 149, 157, 132];

/// Anchor's `EVENT_IX_TAG` (`0x1d9acb512ea545e4`, little-endian): the first 8 bytes of the
/// self-CPI event instruction (`emit_cpi!`).
pub const EVENT_IX_TAG_LE: [u8; 8] = [228, 69, 165, 46, 81, 203, 154, 29];

/// Event `MessageSent`
pub const MESSAGE_SENT_EVENT: [u8; 8] = [116, 70, 224, 76, 128, 28, 110, 55];
/// Event `MessageDelivered`
pub const MESSAGE_DELIVERED_EVENT: [u8; 8] = [206, 54, 202, 10, 22, 64, 153, 18];
/// Event `TransferExecuted`
pub const TRANSFER_EXECUTED_EVENT: [u8; 8] = [8, 128, 224, 132, 112, 216, 192, 35];
/// Event `TransferCancelled`
pub const TRANSFER_CANCELLED_EVENT: [u8; 8] = [117, 98, 70, 151, 137, 80, 144, 86];
/// Event `TransferRefunded`
pub const TRANSFER_REFUNDED_EVENT: [u8; 8] = [176, 166, 100, 242, 195, 130, 30, 130];
/// Event `MessageExecuted`
pub const MESSAGE_EXECUTED_EVENT: [u8; 8] = [214, 203, 124, 241, 94, 227, 41, 59];
/// Event `Paused`
pub const PAUSED_EVENT: [u8; 8] = [172, 248, 5, 253, 49, 255, 255, 232];
/// Event `ProposalCreated`
pub const PROPOSAL_CREATED_EVENT: [u8; 8] = [186, 8, 160, 108, 81, 13, 51, 206];
/// Event `ProposalExecuted`
pub const PROPOSAL_EXECUTED_EVENT: [u8; 8] = [92, 213, 189, 201, 101, 83, 111, 83];
/// Event `ProposalCancelled`
pub const PROPOSAL_CANCELLED_EVENT: [u8; 8] = [253, 59, 104, 46, 129, 78, 9, 14];
/// Event `ProposalApproved`
pub const PROPOSAL_APPROVED_EVENT: [u8; 8] = [70, 49, 155, 228, 157, 43, 88, 49];
/// Event `GasPaid`
pub const GAS_PAID_EVENT: [u8; 8] = [198, 249, 227, 41, 33, 6, 79, 129];
/// Event `FeesWithdrawn`
pub const FEES_WITHDRAWN_EVENT: [u8; 8] = [234, 15, 0, 119, 148, 241, 40, 21];
/// Event `FeeOracleCleared`
pub const FEE_ORACLE_CLEARED_EVENT: [u8; 8] = [220, 48, 96, 94, 48, 160, 95, 119];
