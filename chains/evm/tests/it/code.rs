//! `EvmChain::code_at`: a contract's code as of a block (what the relayer's indexer uses to
//! find the bridge's deployment block).

use serde_json::json;
use trestle_evm::EvmSender;

use crate::common::{anvil, chain, deploy_token, dev_address, dev_signer, ether};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn code_at_is_empty_before_the_deployment_block_and_the_code_from_it() {
    let anvil = anvil();
    // Blocks before the deployment.
    tokio::task::block_in_place(|| anvil.rpc("anvil_mine", json!(["0x10"]))).unwrap();
    let chain = chain(&anvil).await;
    let sender = EvmSender::new(chain.clone(), dev_signer(&anvil, 0));
    let (token, deployed_at) = deploy_token(&sender, ether(1)).await;
    assert!(deployed_at > 16);

    assert!(chain.code_at(token, 0).await.unwrap().is_empty());
    assert!(
        chain
            .code_at(token, deployed_at - 1)
            .await
            .unwrap()
            .is_empty()
    );
    let code = chain.code_at(token, deployed_at).await.unwrap();
    assert!(!code.is_empty());
    let tip = chain.block_number().await.unwrap();
    assert_eq!(chain.code_at(token, tip).await.unwrap(), code);
    // An account without code, and a block the node does not have yet.
    let user = dev_address(&anvil, 1);
    assert!(chain.code_at(user, tip).await.unwrap().is_empty());
    assert!(chain.code_at(token, tip + 1_000).await.is_err());
}
