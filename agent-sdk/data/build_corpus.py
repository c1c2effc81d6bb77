#!/usr/bin/env python3
"""Builds the codec corpora from the packages fetch.sh downloaded (stdlib only).

Usage: agent-sdk/data/fetch.sh && python3 agent-sdk/data/build_corpus.py

Outputs (gitignored):
  corpus/train/NNNNN.json  one sample per file: the zstd dictionary's training set
  corpus/eval.jsonl        {"kind", "source", "text"} per line: what the benchmark measures

Sources (all pinned; licenses in agent-sdk/dict/README.md):
  openai 3.54.0 sdist (Apache-2.0)         chat-completion responses inlined as test snapshots
  langchain-openai 1.7.4 sdist (MIT)       recorded request/response bodies (cassettes)
  anthropic 2.12.0 sdist (Apache-2.0)      SSE stream fixtures
  bfcl-eval 2026.3.23 sdist (Apache-2.0)   non-live questions + function docs, mapped to
                                           chat-completion requests with `tools`

Split (train on one part, measure on another; never the same document in both):
  * bfcl: by FILE. Eval files are EVAL_BFCL below; every other non-live file trains.
    live_* files are never read (kept aside for independent evaluation).
  * openai snapshots and langchain cassettes: by a hash of the source file name
    (EVAL_SHARE of files go to eval).
  * anthropic SSE fixtures: train only (Anthropic's format is not what agents exchange here,
    but its JSON shapes help the dictionary).
"""
import base64
import glob
import gzip
import hashlib
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
RAW = os.path.join(HERE, "raw")
OUT = os.path.join(HERE, "corpus")
EVAL_BFCL = {
    "BFCL_v4_multiple.json",
    "BFCL_v4_parallel_multiple.json",
    "BFCL_v4_multi_turn_long_context.json",
    "BFCL_v4_simple_java.json",
}
EVAL_SHARE = 0.3
MODELS = ["gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4-turbo", "o3-mini", "gpt-3.5-turbo"]


def compact(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def is_eval_file(name):
    h = int(hashlib.sha256(name.encode()).hexdigest()[:8], 16)
    return (h % 1000) < EVAL_SHARE * 1000


def fix_schema(node):
    """bfcl uses "dict" where JSON Schema says "object"; also "float" -> "number"."""
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            if k == "type" and v == "dict":
                v = "object"
            elif k == "type" and v == "float":
                v = "number"
            elif k == "type" and v in ("tuple", "list"):
                v = "array"
            out[k] = fix_schema(v)
        return out
    if isinstance(node, list):
        return [fix_schema(x) for x in node]
    return node


def tools_of(functions):
    tools = []
    for f in functions:
        f = {k: v for k, v in f.items() if k in ("name", "description", "parameters")}
        f["name"] = re.sub(r"[^a-zA-Z0-9_-]", "_", f.get("name", "f"))
        tools.append({"type": "function", "function": fix_schema(f)})
    return tools


def bfcl_samples(i, name, entry, answers, func_docs):
    model = MODELS[i % len(MODELS)]
    turns = entry.get("question", [])
    functions = entry.get("function") or []
    for cls in entry.get("involved_classes", []):
        functions = functions + func_docs.get(cls, [])
    messages = []
    if i % 3 == 0:
        messages.append({"role": "system", "content": "You are a helpful assistant that calls tools when they help."})
    truth = (answers.get(entry.get("id")) or {}).get("ground_truth") or []
    for t, turn in enumerate(turns):
        messages.extend(turn)
        if t + 1 < len(turns):
            calls = truth[t] if t < len(truth) and isinstance(truth[t], list) else []
            # The ground-truth calls as the assistant's reply, so multi-turn requests carry history.
            messages.append({"role": "assistant", "content": "; ".join(map(str, calls)) or "Done."})
    req = {"model": model, "messages": messages}
    if functions:
        req["tools"] = tools_of(functions)
        req["tool_choice"] = "auto"
    if i % 4 == 1:
        req["temperature"] = 0.2
    if i % 5 == 2:
        req["max_tokens"] = 512
    yield "request", compact(req)
    if i % 2 == 0 and turns and turns[0]:
        # The same question as a plain chat request (no tools): the small-message class.
        plain = {"model": model, "messages": ([messages[0]] if i % 3 == 0 else []) + list(turns[0])}
        yield "request", compact(plain)


def load_bfcl():
    base = glob.glob(os.path.join(RAW, "bfcl_eval-*", "bfcl_eval", "data"))[0]
    func_docs = {}
    class_files = {
        "GorillaFileSystem": "gorilla_file_system.json", "MathAPI": "math_api.json",
        "MessageAPI": "message_api.json", "TwitterAPI": "posting_api.json",
        "TicketAPI": "ticket_api.json", "TradingBot": "trading_bot.json",
        "TravelAPI": "travel_booking.json", "VehicleControlAPI": "vehicle_control.json",
    }
    for cls, fn in class_files.items():
        path = os.path.join(base, "multi_turn_func_doc", fn)
        if os.path.exists(path):
            func_docs[cls] = [json.loads(l) for l in open(path) if l.strip()]
    for path in sorted(glob.glob(os.path.join(base, "BFCL_v4_*.json"))):
        name = os.path.basename(path)
        if "_live_" in name or name.startswith("BFCL_v4_live"):
            continue
        answers = {}
        ans_path = os.path.join(base, "possible_answer", name)
        if os.path.exists(ans_path):
            for l in open(ans_path):
                if l.strip():
                    a = json.loads(l)
                    answers[a.get("id")] = a
        split = "eval" if name in EVAL_BFCL else "train"
        try:
            entries = [json.loads(l) for l in open(path) if l.strip()]
        except ValueError:
            continue  # not JSON Lines (e.g. a config file): not a question set
        for i, entry in enumerate(entries):
            if not isinstance(entry.get("question"), list):
                continue
            for kind, text in bfcl_samples(i, name, entry, answers, func_docs):
                yield split, kind, "bfcl-eval:" + name, text


def load_openai():
    base = glob.glob(os.path.join(RAW, "openai-*", "tests"))[0]
    pat = re.compile(r"""snapshot\(\s*'(\{"id": "chatcmpl.*?\})'\s*\)""", re.S)
    for path in sorted(glob.glob(os.path.join(base, "**", "*.py"), recursive=True)):
        src = open(path, encoding="utf-8").read()
        rel = os.path.relpath(path, base)
        split = "eval" if is_eval_file(rel) else "train"
        for m in pat.finditer(src):
            try:
                text = eval("'" + m.group(1) + "'")  # a Python string literal from the snapshot
                json.loads(text)
            except Exception:
                continue
            yield split, "response", "openai:" + rel, text


def sse_events(body):
    for block in body.replace("\r\n", "\n").split("\n\n"):
        for line in block.split("\n"):
            if line.startswith("data: ") and line[6:].startswith("{"):
                yield line[6:]


def load_langchain():
    base = glob.glob(os.path.join(RAW, "langchain_openai-*", "tests", "cassettes"))[0]
    body_pat = re.compile(r"body:\s*(?:string:\s*)?!!binary \|\n((?:\s+[A-Za-z0-9+/=]+\n)+)")
    for path in sorted(glob.glob(os.path.join(base, "*.yaml.gz"))):
        name = os.path.basename(path)
        split = "eval" if is_eval_file(name) else "train"
        text = gzip.open(path, "rt", encoding="utf-8").read()
        for m in body_pat.finditer(text):
            raw = base64.b64decode("".join(m.group(1).split()))
            try:
                body = raw.decode("utf-8")
            except UnicodeDecodeError:
                continue
            stripped = body.lstrip()
            if stripped.startswith("{"):
                try:
                    obj = json.loads(body)
                except ValueError:
                    continue
                kind = "request" if "input" in obj or "messages" in obj else "response"
                yield split, kind, "langchain-openai:" + name, body
            elif stripped.startswith("event:") or stripped.startswith("data:"):
                if split == "eval":
                    yield split, "sse", "langchain-openai:" + name, body
                else:
                    for n, ev in enumerate(sse_events(body)):
                        if n % 4 == 0:  # keep chunks from dominating the training set
                            yield split, "chunk", "langchain-openai:" + name, ev


def load_anthropic():
    base = glob.glob(os.path.join(RAW, "anthropic-*", "tests", "lib", "streaming", "fixtures"))[0]
    for path in sorted(glob.glob(os.path.join(base, "*.txt"))):
        for ev in sse_events(open(path, encoding="utf-8").read()):
            yield "train", "chunk", "anthropic:" + os.path.basename(path), ev


def main():
    if not os.path.isdir(RAW):
        sys.exit("run fetch.sh first")
    os.makedirs(os.path.join(OUT, "train"), exist_ok=True)
    for f in glob.glob(os.path.join(OUT, "train", "*.json")):
        os.remove(f)
    seen = set()
    counts = {}
    n_train = 0
    big_parts = []
    with open(os.path.join(OUT, "eval.jsonl"), "w", encoding="utf-8") as ev:
        for gen in (load_bfcl, load_openai, load_langchain, load_anthropic):
            for split, kind, source, text in gen():
                if text in seen:
                    continue
                seen.add(text)
                counts[(split, source.split(":")[0], kind)] = counts.get((split, source.split(":")[0], kind), 0) + 1
                if split == "train":
                    with open(os.path.join(OUT, "train", "%05d.json" % n_train), "w", encoding="utf-8") as f:
                        f.write(text)
                    n_train += 1
                else:
                    ev.write(json.dumps({"kind": kind, "source": source, "text": text}, ensure_ascii=False) + "\n")
                    if kind == "request" and source.startswith("bfcl-eval:") and "tools" in text:
                        big_parts.append(json.loads(text))
        # One large request (>= 128 KiB) from eval requests: long agent sessions with many tools exist.
        if big_parts:
            msgs, tools, names = [], [], set()
            for p in big_parts:
                msgs.extend(p["messages"])
                for t in p.get("tools", []):
                    if t["function"]["name"] not in names:
                        names.add(t["function"]["name"])
                        tools.append(t)
                big = {"model": "gpt-4o", "messages": msgs, "tools": tools, "tool_choice": "auto"}
                if len(compact(big)) >= 128 * 1024:
                    break
            ev.write(json.dumps({"kind": "request", "source": "bfcl-eval:merged-eval-requests", "text": compact(big)}) + "\n")
    for k in sorted(counts):
        print(k, counts[k])
    print("train files:", n_train)


if __name__ == "__main__":
    main()
