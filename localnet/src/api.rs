//! The HTTP side: the node REST API v1 subset ([`router`]), the faucet ([`faucet_router`]) and the
//! admin endpoints (under `/admin`, outside `/v1`, on the REST port).
//!
//! Every `/v1` response carries the `X-Aptos-*` ledger headers; errors are the node's JSON
//! `{message, error_code, vm_error_code}`.

use std::sync::Arc;

use aptos_sdk::aptos_bcs;
use aptos_sdk::transaction::EntryFunction;
use aptos_sdk::types::{AccountAddress, HashValue};
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::chain::{MAX_TRANSACTION_SIZE, SubmitError, ViewError, abi, render};
use crate::node::{Node, NodeError};

/// Largest request body accepted by any endpoint.
pub const MAX_BODY_BYTES: usize = 2 * MAX_TRANSACTION_SIZE;
/// Default page size of list endpoints.
pub const DEFAULT_PAGE: usize = 25;
/// Largest page size of list endpoints.
pub const MAX_PAGE: usize = 100;

const BCS_TXN: &str = "application/x.aptos.signed_transaction+bcs";
const BCS_VIEW: &str = "application/x.aptos.view_function+bcs";

/// An error answer in the node's JSON shape.
#[derive(Debug, Clone)]
pub struct ApiError {
    status: StatusCode,
    message: String,
    error_code: &'static str,
    vm_error_code: Option<u64>,
}

impl ApiError {
    fn new(status: StatusCode, error_code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
            error_code,
            vm_error_code: None,
        }
    }

    fn invalid_input(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_input", message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({
            "message": self.message,
            "error_code": self.error_code,
            "vm_error_code": self.vm_error_code,
        });
        (self.status, Json(body)).into_response()
    }
}

impl From<SubmitError> for ApiError {
    fn from(e: SubmitError) -> ApiError {
        match e.vm_status() {
            Some((name, code)) => ApiError {
                status: StatusCode::BAD_REQUEST,
                message: format!("Invalid transaction: Type: Validation Code: {name} ({e})"),
                error_code: "vm_error",
                vm_error_code: Some(code),
            },
            None => ApiError::invalid_input(e.to_string()),
        }
    }
}

impl From<NodeError> for ApiError {
    fn from(e: NodeError) -> ApiError {
        match e {
            NodeError::Submit(s) => s.into(),
            NodeError::MempoolFull(m) => {
                ApiError::new(StatusCode::INSUFFICIENT_STORAGE, "mempool_is_full", m)
            }
            NodeError::View(v) => match v {
                ViewError::Aborted { vm_status } => ApiError {
                    status: StatusCode::BAD_REQUEST,
                    message: vm_status,
                    error_code: "vm_error",
                    // StatusCode::ABORTED
                    vm_error_code: Some(4016),
                },
                other => ApiError::invalid_input(other.to_string()),
            },
            NodeError::FaucetLimit { .. } | NodeError::ClockLimit { .. } => {
                ApiError::invalid_input(e.to_string())
            }
            other => {
                tracing::error!(error = %other, "internal error");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal_error",
                    other.to_string(),
                )
            }
        }
    }
}

type ApiResult<T> = Result<T, ApiError>;
type Shared = State<Arc<Node>>;

/// The REST router (`/v1/...` and `/admin/...`).
pub fn router(node: Arc<Node>) -> Router {
    let v1 = Router::new()
        .route("/", get(ledger_info))
        .route("/-/healthy", get(healthy))
        .route("/estimate_gas_price", get(estimate_gas_price))
        .route("/accounts/{addr}", get(account))
        .route("/accounts/{addr}/resources", get(resources))
        .route("/accounts/{addr}/resource/{ty}", get(resource))
        .route("/accounts/{addr}/modules", get(modules))
        .route("/accounts/{addr}/module/{name}", get(module))
        .route("/accounts/{addr}/transactions", get(account_transactions))
        .route("/accounts/{addr}/balance/{asset}", get(balance))
        .route("/transactions", post(submit).get(transactions))
        .route("/transactions/simulate", post(simulate))
        .route("/transactions/encode_submission", post(encode_submission))
        .route("/transactions/by_hash/{hash}", get(by_hash))
        .route("/transactions/wait_by_hash/{hash}", get(by_hash))
        .route("/transactions/by_version/{version}", get(by_version))
        .route("/view", post(view))
        .route(
            "/accounts/{addr}/events/{creation_number}",
            get(handle_events),
        )
        .route(
            "/accounts/{addr}/events/{handle}/{field}",
            get(handle_events_by_field),
        )
        .route("/tables/{handle}/item", post(table_item))
        .route("/blocks/by_height/{height}", get(block_by_height))
        .route("/blocks/by_version/{version}", get(block_by_height))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(node.clone(), ledger_headers));
    Router::new()
        .nest("/v1", v1)
        .route("/admin/time", get(admin_time))
        .route("/admin/advance_time", post(admin_advance_time))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(node)
}

async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "web_framework_error",
        "not found: this endpoint is not part of the aether-localnet REST subset",
    )
}

async fn ledger_headers(State(node): Shared, req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let s = node.summary();
    let h = res.headers_mut();
    let mut set = |name: &'static str, v: String| {
        if let Ok(v) = HeaderValue::from_str(&v) {
            h.insert(HeaderName::from_static(name), v);
        }
    };
    set("x-aptos-chain-id", s.chain_id.to_string());
    set("x-aptos-ledger-version", s.version.to_string());
    set("x-aptos-ledger-oldest-version", "0".into());
    set("x-aptos-oldest-ledger-version", "0".into());
    set("x-aptos-ledger-timestampusec", s.timestamp_us.to_string());
    set("x-aptos-ledger-timestamp", s.timestamp_us.to_string());
    set("x-aptos-epoch", "1".into());
    set("x-aptos-block-height", s.version.to_string());
    set("x-aptos-oldest-block-height", "0".into());
    res
}

fn ledger_json(node: &Node) -> Value {
    let s = node.summary();
    json!({
        "chain_id": s.chain_id,
        "epoch": "1",
        "ledger_version": s.version.to_string(),
        "oldest_ledger_version": "0",
        "ledger_timestamp": s.timestamp_us.to_string(),
        "node_role": "full_node",
        "oldest_block_height": "0",
        "block_height": s.version.to_string(),
        "git_hash": "aether-localnet",
    })
}

async fn ledger_info(State(node): Shared) -> Json<Value> {
    Json(ledger_json(&node))
}

async fn healthy() -> Json<Value> {
    Json(json!({"message": "aptos-node:ok"}))
}

async fn estimate_gas_price() -> Json<Value> {
    let p = crate::chain::gas::MIN_GAS_UNIT_PRICE;
    Json(json!({
        "deprioritized_gas_estimate": p,
        "gas_estimate": p,
        "prioritized_gas_estimate": p,
    }))
}

fn parse_address(s: &str) -> ApiResult<AccountAddress> {
    AccountAddress::from_hex(s)
        .map_err(|e| ApiError::invalid_input(format!("invalid account address {s:?}: {e}")))
}

fn account_not_found(addr: AccountAddress) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "account_not_found",
        format!("Account not found by Address({addr}) and Ledger version"),
    )
}

async fn account(State(node): Shared, Path(addr): Path<String>) -> ApiResult<Json<Value>> {
    let addr = parse_address(&addr)?;
    let acc = node
        .with_chain(|c| c.account(addr))
        .ok_or_else(|| account_not_found(addr))?;
    Ok(Json(render::account_json(addr, &acc)))
}

async fn resources(State(node): Shared, Path(addr): Path<String>) -> ApiResult<Json<Value>> {
    let addr = parse_address(&addr)?;
    let acc = node
        .with_chain(|c| c.account(addr))
        .ok_or_else(|| account_not_found(addr))?;
    Ok(Json(Value::Array(render::resources_json(addr, &acc))))
}

/// Normalizes a resource type for comparison (`0x0…01::` → `0x1::`, no spaces).
fn normalize_type(t: &str) -> String {
    let t: String = t.chars().filter(|c| !c.is_whitespace()).collect();
    t.replace(
        "0x0000000000000000000000000000000000000000000000000000000000000001::",
        "0x1::",
    )
}

async fn resource(
    State(node): Shared,
    Path((addr, ty)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let addr = parse_address(&addr)?;
    let acc = node
        .with_chain(|c| c.account(addr))
        .ok_or_else(|| account_not_found(addr))?;
    let want = normalize_type(&ty);
    render::resources_json(addr, &acc)
        .into_iter()
        .find(|r| r.get("type").and_then(Value::as_str) == Some(want.as_str()))
        .map(Json)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "resource_not_found",
                format!("Resource not found by Address({addr}), Struct tag({ty})"),
            )
        })
}

async fn modules(State(node): Shared, Path(addr): Path<String>) -> ApiResult<Json<Value>> {
    let addr = parse_address(&addr)?;
    let aether = node.with_chain(|c| c.aether());
    let list: Vec<Value> = abi::module_names(addr, aether)
        .into_iter()
        .filter_map(|n| abi::module(addr, n, aether))
        .collect();
    Ok(Json(Value::Array(list)))
}

async fn module(
    State(node): Shared,
    Path((addr, name)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let addr = parse_address(&addr)?;
    let aether = node.with_chain(|c| c.aether());
    abi::module(addr, &name, aether).map(Json).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "module_not_found",
            format!("Module not found by Address({addr}), Module name({name})"),
        )
    })
}

async fn balance(
    State(node): Shared,
    Path((addr, asset)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let addr = parse_address(&addr)?;
    let is_apt = normalize_type(&asset) == "0x1::aptos_coin::AptosCoin"
        || AccountAddress::from_hex(&asset).is_ok_and(|a| a == crate::chain::apt_metadata());
    let b = if is_apt {
        node.with_chain(|c| c.balance(addr))
    } else {
        0
    };
    Ok(Json(json!(b)))
}

#[derive(Deserialize)]
struct Page {
    start: Option<String>,
    limit: Option<String>,
}

impl Page {
    fn parse(&self) -> ApiResult<(Option<u64>, usize)> {
        let start = match &self.start {
            Some(s) => Some(
                s.parse::<u64>()
                    .map_err(|_| ApiError::invalid_input(format!("invalid start {s:?}")))?,
            ),
            None => None,
        };
        let limit = match &self.limit {
            Some(s) => s
                .parse::<usize>()
                .map_err(|_| ApiError::invalid_input(format!("invalid limit {s:?}")))?,
            None => DEFAULT_PAGE,
        };
        if limit == 0 {
            return Err(ApiError::invalid_input("limit must be at least 1"));
        }
        Ok((start, limit.min(MAX_PAGE)))
    }
}

async fn transactions(State(node): Shared, Query(page): Query<Page>) -> ApiResult<Json<Value>> {
    let (start, limit) = page.parse()?;
    let list = node.with_chain(|c| {
        let start = start.unwrap_or_else(|| (c.version() + 1).saturating_sub(limit as u64));
        c.range(start, limit)
            .iter()
            .map(|t| t.json.clone())
            .collect::<Vec<_>>()
    });
    Ok(Json(Value::Array(list)))
}

async fn account_transactions(
    State(node): Shared,
    Path(addr): Path<String>,
    Query(page): Query<Page>,
) -> ApiResult<Json<Value>> {
    let addr = parse_address(&addr)?;
    let (start, limit) = page.parse()?;
    let list = node.with_chain(|c| {
        let start = usize::try_from(start.unwrap_or(0)).unwrap_or(usize::MAX);
        c.sent_by(addr)
            .iter()
            .skip(start)
            .take(limit)
            .filter_map(|v| c.by_version(*v).map(|t| t.json.clone()))
            .collect::<Vec<_>>()
    });
    Ok(Json(Value::Array(list)))
}

fn parse_hash(s: &str) -> ApiResult<HashValue> {
    HashValue::from_hex(s.strip_prefix("0x").unwrap_or(s))
        .map_err(|e| ApiError::invalid_input(format!("invalid transaction hash {s:?}: {e}")))
}

async fn by_hash(State(node): Shared, Path(hash): Path<String>) -> ApiResult<Json<Value>> {
    let h = parse_hash(&hash)?;
    node.transaction_by_hash(&h).map(Json).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "transaction_not_found",
            format!("Transaction not found by Transaction hash({hash})"),
        )
    })
}

async fn by_version(State(node): Shared, Path(version): Path<String>) -> ApiResult<Json<Value>> {
    let v: u64 = version
        .parse()
        .map_err(|_| ApiError::invalid_input(format!("invalid version {version:?}")))?;
    let (found, latest) =
        node.with_chain(|c| (c.by_version(v).map(|t| t.json.clone()), c.version()));
    found.map(Json).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "transaction_not_found",
            format!("Transaction not found by Ledger version({v}); the latest version is {latest}"),
        )
    })
}

/// Handle-based events: the localnet's modules only emit module events, so every event handle
/// is empty (the account must exist, as on a node).
async fn handle_events(
    State(node): Shared,
    Path((addr, _creation)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let addr = parse_address(&addr)?;
    node.with_chain(|c| c.account(addr))
        .ok_or_else(|| account_not_found(addr))?;
    Ok(Json(json!([])))
}

async fn handle_events_by_field(
    State(node): Shared,
    Path((addr, _handle, _field)): Path<(String, String, String)>,
) -> ApiResult<Json<Value>> {
    let addr = parse_address(&addr)?;
    node.with_chain(|c| c.account(addr))
        .ok_or_else(|| account_not_found(addr))?;
    Ok(Json(json!([])))
}

/// The localnet keeps no Move tables behind handles: read state through views.
async fn table_item(Path(handle): Path<String>) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "table_item_not_found",
        format!(
            "Table item not found by table handle({handle}): aether-localnet serves module state through view functions"
        ),
    )
}

#[derive(Deserialize)]
struct BlockQuery {
    with_transactions: Option<bool>,
}

/// Blocks: the localnet puts every transaction in its own block, so block height = version.
async fn block_by_height(
    State(node): Shared,
    Path(height): Path<String>,
    Query(q): Query<BlockQuery>,
) -> ApiResult<Json<Value>> {
    let h: u64 = height
        .parse()
        .map_err(|_| ApiError::invalid_input(format!("invalid block height {height:?}")))?;
    let txn = node
        .with_chain(|c| c.by_version(h).cloned())
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "block_not_found",
                format!("Block not found by height or version {h}"),
            )
        })?;
    let mut block = json!({
        "block_height": h.to_string(),
        "block_hash": txn.hash.to_string(),
        "block_timestamp": txn.timestamp_us.to_string(),
        "first_version": h.to_string(),
        "last_version": h.to_string(),
    });
    if q.with_transactions.unwrap_or(false) {
        block["transactions"] = json!([txn.json]);
    }
    Ok(Json(block))
}

fn content_type(headers: &HeaderMap) -> &str {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

fn body_bytes(body: Result<Bytes, BytesRejection>) -> ApiResult<Bytes> {
    body.map_err(|e| {
        ApiError::new(
            e.status(),
            "invalid_input",
            format!("cannot read the request body: {e}"),
        )
    })
}

fn require_bcs(headers: &HeaderMap) -> ApiResult<()> {
    let ct = content_type(headers);
    if ct.starts_with(BCS_TXN) {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "invalid_input",
            format!(
                "Content-Type {ct:?} is not supported: send a BCS signed transaction ({BCS_TXN}) or JSON (application/json)"
            ),
        ))
    }
}

async fn submit(
    State(node): Shared,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let body = if content_type(&headers).starts_with("application/json") {
        // JSON submission: converted to the BCS transaction, then checked like one.
        let v: Value = serde_json::from_slice(&body_bytes(body)?)
            .map_err(|e| ApiError::invalid_input(format!("invalid transaction JSON: {e}")))?;
        let (aether, chain_id) = node.with_chain(|c| (c.aether(), c.chain_id()));
        Bytes::from(crate::chain::json_txn::signed_transaction_bcs(
            &v, aether, chain_id,
        )?)
    } else {
        require_bcs(&headers)?;
        body_bytes(body)?
    };
    let node2 = node.clone();
    let out = tokio::task::spawn_blocking(move || node2.submit(&body))
        .await
        .map_err(|e| {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal_error",
                e.to_string(),
            )
        })??;
    Ok((StatusCode::ACCEPTED, Json(out.pending)).into_response())
}

/// `POST /v1/transactions/encode_submission`: the signing message of a JSON transaction.
async fn encode_submission(
    State(node): Shared,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<Value>> {
    let v: Value = serde_json::from_slice(&body_bytes(body)?)
        .map_err(|e| ApiError::invalid_input(format!("invalid transaction JSON: {e}")))?;
    let (aether, chain_id) = node.with_chain(|c| (c.aether(), c.chain_id()));
    let raw = crate::chain::json_txn::raw_transaction(&v, aether, chain_id)?;
    let msg = raw
        .signing_message()
        .map_err(|e| ApiError::invalid_input(e.to_string()))?;
    Ok(Json(json!(format!("0x{}", hex::encode(msg)))))
}

async fn simulate(
    State(node): Shared,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<Value>> {
    require_bcs(&headers)?;
    let body = body_bytes(body)?;
    let out = node.simulate(&body)?;
    Ok(Json(Value::Array(vec![out])))
}

#[derive(Deserialize)]
struct ViewRequest {
    function: String,
    #[serde(default)]
    type_arguments: Vec<String>,
    #[serde(default)]
    arguments: Vec<Value>,
}

async fn view(
    State(node): Shared,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<Value>> {
    let body = body_bytes(body)?;
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if accept.contains("application/x-bcs") {
        return Err(ApiError::new(
            StatusCode::NOT_ACCEPTABLE,
            "bcs_not_supported",
            "aether-localnet answers views in JSON only (Accept: application/json)",
        ));
    }
    let out = if content_type(&headers).starts_with(BCS_VIEW) {
        let ef: EntryFunction = aptos_bcs::from_bytes(&body)
            .map_err(|e| ApiError::invalid_input(format!("invalid BCS view request: {e}")))?;
        node.view_bcs(&ef)?
    } else {
        let req: ViewRequest = serde_json::from_slice(&body)
            .map_err(|e| ApiError::invalid_input(format!("invalid view request JSON: {e}")))?;
        node.view_json(&req.function, &req.type_arguments, &req.arguments)?
    };
    Ok(Json(Value::Array(out)))
}

fn time_json(now_us: u64) -> Value {
    json!({
        "ledger_timestamp_us": now_us.to_string(),
        "now_seconds": (now_us / 1_000_000).to_string(),
    })
}

async fn admin_time(State(node): Shared) -> Json<Value> {
    Json(time_json(node.now_us()))
}

#[derive(Deserialize)]
struct Advance {
    secs: u64,
}

async fn admin_advance_time(
    State(node): Shared,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<Value>> {
    let body = body_bytes(body)?;
    let a: Advance = serde_json::from_slice(&body)
        .map_err(|e| ApiError::invalid_input(format!("expected {{\"secs\": <u64>}}: {e}")))?;
    let now = node.advance_time(a.secs)?;
    Ok(Json(time_json(now)))
}

#[derive(Deserialize)]
struct MintQuery {
    address: Option<String>,
    amount: Option<String>,
}

#[derive(Deserialize)]
struct FundBody {
    address: String,
    #[serde(default)]
    amount: Option<Value>,
}

/// Default amount of a faucet request without `amount`: 1 APT.
pub const DEFAULT_FAUCET_AMOUNT: u64 = 100_000_000;

fn parse_amount(v: Option<&str>) -> ApiResult<u64> {
    match v {
        None => Ok(DEFAULT_FAUCET_AMOUNT),
        Some(s) => s
            .parse()
            .map_err(|_| ApiError::invalid_input(format!("invalid amount {s:?}"))),
    }
}

async fn fund_blocking(node: Arc<Node>, addr: AccountAddress, amount: u64) -> ApiResult<String> {
    let h = tokio::task::spawn_blocking(move || node.fund(addr, amount))
        .await
        .map_err(|e| {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal_error",
                e.to_string(),
            )
        })??;
    Ok(h.to_string())
}

async fn mint(State(node): Shared, Query(q): Query<MintQuery>) -> ApiResult<Json<Value>> {
    let addr = q
        .address
        .as_deref()
        .ok_or_else(|| ApiError::invalid_input("missing query parameter address"))?;
    let addr = parse_address(addr)?;
    let amount = parse_amount(q.amount.as_deref())?;
    let hash = fund_blocking(node, addr, amount).await?;
    Ok(Json(json!([hash])))
}

async fn fund(State(node): Shared, body: Result<Bytes, BytesRejection>) -> ApiResult<Json<Value>> {
    let body = body_bytes(body)?;
    let req: FundBody = serde_json::from_slice(&body).map_err(|e| {
        ApiError::invalid_input(format!("expected {{\"address\", \"amount\"}}: {e}"))
    })?;
    let addr = parse_address(&req.address)?;
    let amount = match &req.amount {
        None => DEFAULT_FAUCET_AMOUNT,
        Some(Value::Number(n)) => n
            .as_u64()
            .ok_or_else(|| ApiError::invalid_input(format!("invalid amount {n}")))?,
        Some(Value::String(s)) => parse_amount(Some(s))?,
        Some(other) => return Err(ApiError::invalid_input(format!("invalid amount {other}"))),
    };
    let hash = fund_blocking(node, addr, amount).await?;
    Ok(Json(json!({"txn_hashes": [hash]})))
}

async fn faucet_health() -> &'static str {
    "tap:ok"
}

/// The faucet router: `POST /mint?address=&amount=` (answers `["0x<hash>"]`) and `POST /fund`
/// with JSON `{address, amount}` (answers `{"txn_hashes": [..]}`).
pub fn faucet_router(node: Arc<Node>) -> Router {
    Router::new()
        .route("/", get(faucet_health))
        .route("/health", get(faucet_health))
        .route("/mint", post(mint))
        .route("/fund", post(fund))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(node)
}
