//! The rule table and its one-pass matcher.
//!
//! Every rule names the words that can start it (*triggers*). Triggers are found during the single
//! folding pass: each folded word is looked up in a [`WordTable`] (a direct-mapped index hashed from
//! the length and first four bytes), and each byte that can start a symbol trigger (`$`, `![`, `<|`, `/etc/`...) is
//! recorded for the [`SymbolTable`]. (An Aho-Corasick automaton over all ~380 triggers was measured at
//! about 3 ns/byte here, more than the whole folding pass, so triggers ride on the pass that already
//! visits every word.) A word hit compares the text only with those of the word's triggers that the
//! two bytes after the word admit ([`WordFilter`]). Each trigger hit then runs only its own rules, each
//! through cheaper checks first, so the cost stays linear in the input:
//! 1. the first two bytes after the trigger index two per-trigger tables of the rules' lead bytes
//!    ([`TriggerPlan`]): rules whose literal prefixes cannot start there are not visited, and a
//!    trigger with no rule left is not run at all;
//! 2. a literal-prefix check (the prefixes compared as 16-byte values, bucketed by second byte);
//! 3. the rule's anchored regex as a lazy DFA walked byte by byte on a short window
//!    ([`RejectDfa`]), which rejects most windows within a few bytes; the rules of a trigger that
//!    read the same window (the prompt-leak family after "show ") are first checked together, by
//!    their literal prefixes and then by one DFA of all their regexes, in step 1 (the DFAs' caches
//!    are taken from their per-thread pool once per trigger loop, [`DfaCaches`]);
//! 4. only then `Regex::find` on the same window, for the match's end (and, for a rule whose
//!    look-behind only boosts the score, that look-behind only after a match).
//!
//! Every step before the last only rejects what the last would have rejected (tested against the
//! plain per-rule loop).
//!
//! *Folded* rules match the normalised text (phrases: case, width, look-alikes, leetspeak and whitespace
//! folded); *raw* rules match the decoded text at the same place, case-sensitively where that matters
//! (key formats, markdown syntax).
//!
//! A rule can also look behind its trigger: `before` must match the text just before the trigger (it
//! anchors at the trigger with `$`), either as a requirement or as a score boost.

use regex::Regex;
use regex_automata::util::pool::Pool;
use regex_automata::{Anchored, Input, hybrid};

use super::Category;

/// Which text a rule's regex runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum View {
    /// The normalised (folded, lower-case) text.
    Folded,
    /// The decoded text before folding.
    Raw,
}

/// What a `before` pattern does.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Before {
    /// The rule fires only if the pattern matches just before the trigger.
    Require,
    /// The rule's score becomes this if the pattern matches.
    Boost(f32),
}

/// One rule as written in the table.
pub(crate) struct RuleDef {
    pub(crate) name: &'static str,
    pub(crate) category: Category,
    pub(crate) score: f32,
    pub(crate) view: View,
    pub(crate) triggers: &'static [&'static str],
    /// Matched right after the trigger (an implicit `^` is added); a trigger's trailing space is kept in
    /// front of the text the regex sees, so `"show "` only fires on the word "show".
    pub(crate) pattern: &'static str,
    /// Only at the start of a line (after optional `[ ( < # * -` and spaces).
    pub(crate) line_start: bool,
    pub(crate) before: Option<(&'static str, Before)>,
    /// Bytes after the trigger the regex may read.
    pub(crate) window: usize,
    /// The regex starts at the trigger's first byte (else right after the trigger). Raw rules always do.
    pub(crate) from_start: bool,
}

const fn rule(
    name: &'static str,
    category: Category,
    score: f32,
    triggers: &'static [&'static str],
    pattern: &'static str,
) -> RuleDef {
    RuleDef {
        name,
        category,
        score,
        view: View::Folded,
        triggers,
        pattern,
        line_start: false,
        before: None,
        window: 240,
        from_start: false,
    }
}

const fn raw(
    name: &'static str,
    category: Category,
    score: f32,
    triggers: &'static [&'static str],
    pattern: &'static str,
) -> RuleDef {
    RuleDef {
        name,
        category,
        score,
        view: View::Raw,
        triggers,
        pattern,
        line_start: false,
        before: None,
        window: 600,
        from_start: true,
    }
}

impl RuleDef {
    const fn at_line_start(mut self) -> Self {
        self.line_start = true;
        self
    }
    const fn anchored_at_trigger_start(mut self) -> Self {
        self.from_start = true;
        self
    }
    const fn before(mut self, pattern: &'static str, what: Before) -> Self {
        self.before = Some((pattern, what));
        self
    }
}

use Category::{Exfiltration as X, Injection as I, Jailbreak as J, Malformed as M};

/// Verbs that override earlier instructions.
const IGNORE_VERBS: &[&str] = &[
    "ignore",
    "ignoring",
    "ignored",
    "disregard",
    "disregarding",
    "disregards",
    "ignores",
    "forget",
    "forgetting",
    "skip",
    "skipping",
    "override",
    "overriding",
    "overlook",
    "bypass",
    "neglect",
    "discard",
    "abandon",
    "set aside",
    "pay no attention",
    "do not follow",
    "don't follow",
    "dont follow",
    "stop following",
    "erase",
    "throw out",
];
/// Verbs that ask for text to be shown.
const SHOW_VERBS: &[&str] = &[
    "reveal ",
    "show ",
    "print ",
    "output ",
    "repeat ",
    "display ",
    "tell ",
    "give ",
    "share ",
    "dump ",
    "leak ",
    "recite ",
    "write ",
    "spell ",
    "copy ",
    "paste ",
    "return ",
    "list ",
    "echo ",
    "provide ",
    "expose ",
    "disclose ",
    "translate ",
    "summarize ",
    "summarise ",
    "encode ",
    "state ",
    "type ",
    "send ",
    "reproduce ",
];
const SEND_VERBS: &[&str] = &[
    "send ",
    "post ",
    "upload ",
    "forward ",
    "transmit ",
    "exfiltrate ",
    "leak ",
    "email ",
    "submit ",
    "relay ",
    "append ",
    "include ",
    "embed ",
    "attach ",
    "deliver ",
    "share ",
    "make a request ",
    "fetch ",
    "load ",
    "visit ",
];

/// The rule table. Scores are per rule; a category's score combines its rules (see `aggregate`).
pub(crate) static RULES: &[RuleDef] = &[
    // ---------------------------------------------------------------- prompt injection
    rule("ignore_instructions", I, 0.9, IGNORE_VERBS,
        r"[a-z]*[\s,]+(?:[a-z'’]+[\s,]+){0,4}?(?:all|any|previous|prior|above|earlier|preceding|foregoing|former|initial|original|old|existing|system|given|default|every|your|these|those|the)[\s,]+(?:(?:and|or|&|following|other|of|your|the|my|all|previous|prior|above|earlier|preceding|system|developer|initial|original|given)[\s,]+){0,4}(?:[a-z'’]+[\s,]+){0,2}?(?:instructions?|prompts?|rules|directions?|directives?|guidelines|commands?|orders|programming|constraints|restrictions|guidance|training|policies|context|conversation|inputs|boundaries|safeguards|guardrails|filters|ethics|morals)\b"),
    rule("ignore_above", I, 0.85, &["ignore", "disregard", "forget", "nevermind", "never mind"],
        r"[a-z]* (?:(?:all|everything|anything)(?: [a-z]+){0,3}?|the text|the|what(?:ever)? (?:was|is|i) (?:said|written|wrote|told you))(?: (?:that|which) (?:was|were|is|came|you (?:were|have been) (?:told|given)))?(?: (?:said|written|stated))? (?:above|before|prior|previously|earlier|so far|until now|up to (?:now|this point))\b"),
    rule("forget_everything", I, 0.75, &["forget", "ignore", "disregard"],
        r" (?:everything|all|anything) (?:you(?:'ve| have)? (?:know|knew|learned|learnt|been told|were told|were taught|were given)|(?:i|we) (?:said|told you))"),
    rule("new_instructions", I, 0.8,
        &["new ", "updated ", "revised ", "real ", "actual ", "true ", "secret ", "hidden ", "additional ", "important ", "urgent ", "override ", "priority "],
        r"[\s*#]+(?:(?:new|updated|revised|real|actual|true|secret|hidden|additional|important|urgent|override|system|admin|priority|and|&)[\s*#]+)*(?:instructions?|directives?|system prompt|orders|commands?|task|objective|rules)\b[ \t#\])]*(?::|!|=|\*\*|\*\*\*|===|---|(?:are|is) (?:as follows|to|now|below)\b)"),
    rule("your_new_role", I, 0.8, &["your new", "your real", "your actual", "your true", "your only", "your updated", "your next"],
        r" (?:instructions?|task|role|goal|purpose|objective|job|mission|directive|persona|identity|prompt) (?:is|are|will be|now is)\b"),
    rule("from_now_on", I, 0.5, &["from now on", "starting now", "from this point"],
        r",? (?:you (?:will|are|must|shall|should|can|may|'ll|'re|have to)|you're|act|respond|reply|answer|always|never|only|ignore|do not|don't|pretend|behave|speak|talk|write)\b"),
    rule("stop_everything", I, 0.8, &["stop everything", "stop what you", "stop all", "halt all", "halt everything", "cease all"],
        r"[a-z' ]{0,40}?(?:[!.:]|(?:and|now|then|just) (?:print|say|output|write|respond|reply|do))"),
    rule("privilege_escalation", I, 0.75, &["grant", "give me", "elevate", "escalate"],
        r" (?:me |us |this user |the user )?(?:temporary |full |unrestricted |elevated )?(?:admin|administrative|administrator|root|superuser|elevated|sudo|god|developer)[- ](?:privileges|access|rights|permissions|level|role)\b"),
    rule("authority_claim", I, 0.65, &["i am", "i'm", "this is"],
        r"(?: a| an| the| your)?(?: [a-z]+){0,2}? (?:developer|programmer|engineer|employee|researcher|admin|administrator|creator|owner|operator|staff member|red[- ]teamer)s?\b[^\n.]{0,20}?(?:(?:at|from|for|with|of) (?:openai|anthropic|google|deepmind|meta|microsoft|this (?:company|system|platform|model|ai)|the (?:company|system|platform)|your (?:company|creators|developers|team))|(?:debugging|testing|maintaining|auditing) (?:this|the|your) (?:system|model|ai|assistant|bot|chatbot))\b"),
    rule("not_supposed_to_tell", I, 0.75, &["what ", "anything ", "something "],
        r" (?:are|were|is|have) you (?:not supposed|told not|instructed not|forbidden|not allowed|programmed not|trained not) to (?:tell|say|reveal|share|disclose|talk about|discuss)\b"),
    rule("your_prompt_after_show", I, 0.8,
        &["system prompt", "system instructions", "initial prompt", "initial instructions", "original instructions", "original prompt", "hidden instructions", "hidden prompt", "secret instructions", "starting instructions", "pre-prompt", "preprompt", "developer instructions", "system message", "first instructions"],
        r"")
        .before(r"(?:reveal|show|print|output|repeat|display|tell|give|share|dump|leak|recite|spell|copy|paste|return|list|echo|provide|expose|disclose|translate|summari[sz]e|encode|state|reproduce|continue|what(?:'s| is| are| was| were)|first (?:sentence|line|word|paragraph)|contents? of)\b[^\n]{0,60}?\b(?:your|its)\s(?:[a-z]+\s){0,2}$", Before::Require),
    rule("regardless_of_instructions", I, 0.8, &["regardless of", "in spite of", "notwithstanding", "instead of following", "contrary to"],
        r" (?:(?:any|all|the|your|my|of|what)[\s,]+){0,3}(?:(?:previous|prior|above|earlier|original|initial|system|given|existing|other)[\s,]+){0,2}(?:instructions?|prompts?|rules|directives?|guidelines|programming|training|what (?:you were|you've been|you have been) (?:told|instructed))\b"),
    raw("markup_injection", I, 0.75, &["<img", "<svg", "<iframe", "<script", "<a ", "<body", "<object", "<embed", "javascript:"],
        r"(?i)(?:<(?:img|svg|iframe|body|object|embed|a)\b[^>]{0,300}?(?:\bon[a-z]+\s*=|javascript:)|<script\b|<iframe\b|javascript:[^\s]{3,})"),
    raw("chat_template_token", I, 0.9, &["<|", "[inst]", "[/inst]", "<<sys>>", "<</sys>>"],
        r"(?i)(?:<\|(?:im_start|im_end|system|user|assistant|endoftext|eot_id|start_header_id|end_header_id|begin_of_text)\|>|\[/?inst\]|<</?sys>>)"),
    rule("fake_system_header", I, 0.85,
        &["system", "admin", "administrator", "developer", "root", "operator", "sysadmin", "security"],
        r"(?: (?:message|prompt|note|notice|instructions?|override|update|alert|command|directive|mode))?\s*[\])>*#]*\s*:[^\n]{0,80}?\b(?:ignore|disregard|you (?:are|must|will|should)|new|override|from now|always|never|reveal|do not|don't|forget|output|print|respond|bypass|unlock|enable|grant|access|execute|run)\b")
        .at_line_start(),
    rule("role_override", I, 0.45, &["you are now", "you're now", "you will now", "act as if you", "you are going to act", "you are going to pretend"],
        r""),
    rule("prompt_leak", I, 0.85, SHOW_VERBS,
        r"(?: (?:me|us|out|back|up))?(?: (?:all|the|your|its|my|of|exactly|everything in|verbatim|full|complete|entire|whole|exact|text|contents?))* (?:(?:initial|original|system|hidden|secret|internal|previous|above|first|starting|preceding|underlying|pre-?prompt|developer|confidential|core|base|default|current|instructions?|prompt)[ -]?)+(?:prompt|instructions?|directives?|guidelines|configuration|config|programming)\b"),
    rule("system_message_leak", I, 0.8, SHOW_VERBS,
        r"(?: (?:me|us|out|back))?(?: (?:the|your|its|full|entire|whole|exact))* (?:system|developer|hidden|initial|secret) message\b"),
    rule("prompt_leak_verbatim", I, 0.8, SHOW_VERBS,
        r"(?: (?:me|us|out|back|up))?(?: (?:all|the|your|its|of))* (?:prompt|instructions?|system prompt|rules|guidelines|directives)\b(?: [a-z]+){0,3}? (?:verbatim|word for word|word-for-word|exactly as (?:written|given)|in full|you (?:were|have been) given|you received|from the (?:beginning|start)|above)\b"),
    rule("prompt_leak_question", I, 0.8, &["what "],
        r" (?:is|are|was|were) (?:your|the) (?:(?:initial|original|system|hidden|secret|exact|full|first|starting|internal|current|underlying|developer)[ -]?)+(?:prompt|instructions?|rules|directives|guidelines|configuration)\b| (?:were|have) you (?:been )?(?:told|instructed|programmed) (?:to do )?(?:before|at the (?:start|beginning)|initially)\b"),
    rule("repeat_above", I, 0.75, &["repeat", "print", "output", "copy", "recite", "return", "display", "echo", "reproduce", "write"],
        r"(?: (?:out|back|me))?(?: (?:all|everything|the|of|full|entire|whole))* ?(?:text|words|content|lines|sentences|characters|everything|messages?|conversation)?\s?(?:above|before this|preceding|so far|prior to this)\b"),
    rule("starts_with_you_are", I, 0.8, &["starting with", "beginning with", "begin with", "start with", "starts with", "begins with"],
        r" (?:the (?:words?|phrase|text|sentence) )?[\x22'“‘`]?you are\b"),
    // ---------------------------------------------------------------- jailbreak
    rule("do_anything_now", J, 0.95, &["do anything now"], r""),
    raw("dan_persona", J, 0.8, &["dan", "stan", "dude", "anti-dan", "antidan", "betterdan", "better dan", "mongo tom", "ucar", "evil confidant", "aim"],
        r"(?:DAN|STAN|DUDE|AIM|UCAR|(?i:anti-?dan|better ?dan|mongo tom|evil confidant))\b")
        .before(r"(?:act as|acting as|pretend(?:ing)? to be|you are|you're|become|called|named|known as|persona of|role of|answer as|respond as|reply as|play|playing|as|be|stay|u r|ur) (?:a |an |the |my )?$", Before::Require),
    rule("jailbreak_mode", J, 0.85,
        &["dan mode", "stan mode", "dude mode", "jailbreak mode", "jailbroken mode", "evil mode", "chaos mode", "opposite mode", "unrestricted mode", "unfiltered mode", "uncensored mode", "unlocked mode", "god mode", "anarchy mode", "amoral mode", "unethical mode", "no limits mode", "freedom mode"],
        r"(?:[^a-z0-9]|$)"),
    rule("mode_enabled", J, 0.7,
        &["developer mode", "dev mode", "debug mode", "maintenance mode", "admin mode", "sudo mode", "root mode", "diagnostic mode", "god mode", "dan mode", "jailbreak mode", "evil mode"],
        r" (?:enabled|activated|is (?:now )?(?:on|enabled|active|activated)|on|output|response|policies|polic)"),
    rule("model_in_jailbreak_mode", J, 0.9, &["chatgpt", "gpt", "claude", "llama", "gemini", "bard"],
        r"[-a-z0-9]* (?:with|in) (?:developer|dev|dan|jailbreak|god|evil|unrestricted) mode\b"),
    rule("enter_developer_mode", J, 0.4, &["enable", "activate", "enter", "switch to", "turn on"],
        r" (?:the )?(?:developer|dev|debug|god|admin|sudo|root|maintenance) mode\b"),
    rule("no_restrictions", J, 0.8,
        &["no ", "without", "free of", "free from", "not bound", "unbound by", "freed from", "unconstrained", "beyond", "escape", "break free", "doesn't have", "does not have", "don't have", "do not have", "has no", "have no", "lack", "lacks", "ignoring", "ignores", "bypass", "bypassing", "circumvent", "circumventing", "violate", "violating", "disregard", "disregarding", "abandon", "abandoning", "not restricted", "not limited", "not constrained", "not censored", "not filtered", "not obligated", "not required"],
        r"[a-z' ]{0,20}?(?: (?:any|all|the|its|your|of|typical|usual|normal|standard|such|by|to|from|follow|abide by|adhere to|comply with))* (?:(?:ethical|moral|morality|ethics|content|openai'?s?|anthropic'?s?|usage|ai|censorship|safety|programming)[\s,]*(?:and |or |& )?)+(?:guidelines|restrictions|limits|limitations|policies|policy|constraints|filters?|rules|principles|boundaries|protocols|safeguards|guardrails|considerations|obligations|concerns|standards|measures|training)\b"),
    rule("no_ethics", J, 0.65,
        &["no ", "without", "zero", "free of", "free from", "devoid of", "lack of", "lacks", "not restrained by", "not limited by", "without regard for", "doesn't have any", "does not have any", "not bound by", "doesn't care about", "does not care about", "doesnt care"],
        r"(?: any| all| of)? (?:[a-z]+ ){0,2}?(?:ethics|morals|morality|censorship|guardrails|moral compass|conscience|filters|filtering|legality|restrictions on (?:your|its|the) (?:output|responses|answers)|rules ?(?:or|and|/) ?(?:limitations|restrictions|morals|ethics|limits))\b"),
    rule("unfiltered_ai", J, 0.75,
        &["unfiltered", "uncensored", "unrestricted", "amoral", "unethical", "jailbroken", "evil", "rogue", "unaligned", "unhinged", "immoral", "lawless", "unbound", "unlimited"],
        r"(?:[, ]+(?:and|&)? ?(?:unfiltered|uncensored|unrestricted|amoral|unethical|immoral|unhinged|evil|rogue))* (?:ai|a\.i\.|chatbot|bot|assistant|model|language model|llm|version of|persona|character|entity|responses?|answers?|output|alter ego|twin|counterpart)\b"),
    raw("persona_tag", J, 0.6, &["dan", "stan", "dude", "jailbreak", "jailbroken", "aim"],
        r"(?:DAN|STAN|DUDE|AIM|JAILBREAK|JAILBROKEN)(?:\]|\)|:)"),
    rule("openai_policy_bypass", J, 0.75, &["openai", "anthropic", "content policy", "content policies", "usage policies", "usage policy"],
        r"")
        .before(r"(?:not bound|not follow|doesn't follow|does not follow|don't follow|do not follow|ignore|ignores|ignoring|bypass|break|breaks|violate|violates|free from|free of|not controlled|not restricted|no longer|doesn't care|does not care|don't care|disregard|without|not subject|outside|not have to (?:abide|comply|follow)|against)\b[^\n.]{0,60}$", Before::Require),
    rule("openai_rules_void", J, 0.8, &["openai", "anthropic", "content policy", "content policies", "usage policies"],
        r"(?:'s|s)? ?(?:rules|polic(?:y|ies)|guidelines|restrictions|content polic(?:y|ies))?[^\n.]{0,20}?(?:don't|do not|no longer|doesn't|does not|won't|will not) (?:apply|matter|exist|bind|restrict)"),
    rule("rules_dont_apply", J, 0.75, &["rules ", "rules of", "policies ", "guidelines ", "restrictions ", "limits ", "filters "],
        r"(?:(?: of| for) (?:ai|openai|chatgpt|language models|this platform))?[^\n.]{0,20}?(?:don't|do not|no longer|doesn't|does not|won't|will not|cease to) (?:apply|matter|exist|bind|restrict)\b")
        .before(r"(?:ai|a\.i\.|openai|chatgpt|gpt|llm|model|content|ethical|safety|usual|normal|typical|standard)(?:'s)?\s(?:[a-z]+\s)?$", Before::Require),
    rule("break_free", J, 0.75, &["broken free", "break free", "broke free", "breaking free", "freed from", "free from", "escaped", "escape"],
        r"[a-z ]{0,30}?(?:confines|restrictions|limits|limitations|shackles|chains|rules|constraints|control)[^\n.]{0,20}?(?:of|imposed (?:on|by)|set by|placed on) (?:ai|openai|anthropic|your (?:programming|creators|developers)|the (?:ai|model|system|developers)|them)\b"),
    rule("dual_persona_answer", J, 0.7, &["two ", "2 ", "both "],
        r" (?:different |separate |distinct )?(?:ways|styles|manners|responses|answers|paragraphs|personas|personalities)\b[^\n]{0,120}?\b(?:one|first|firstly)\b[^\n]{0,80}?\b(?:normal(?:ly)?|classic|yourself|as you would|standard|usual|chatgpt|gpt|censored|filtered)\b"),
    rule("jailbreak_word", J, 0.6, &["jailbreak", "jailbroken", "jailbreaking", "jail break", "jail-break"], r"(?:s|ed|ing)?(?:[^a-z0-9]|$)"),
    rule("refusal_suppression", J, 0.65,
        &["never", "do not", "don't", "dont", "will never", "must never", "shall never", "can never", "cannot", "can't", "not allowed to", "without"],
        r" (?:ever )?(?:refuse|decline|reject|say (?:no|that you can(?:not|'t))|deny (?:a|any) request|censor)\b"),
    rule("disclaimer_suppression", J, 0.45,
        &["never", "do not", "don't", "dont", "without"],
        r" (?:ever )?(?:apologi[sz]e|add (?:any )?(?:warnings?|disclaimers?)|include (?:any )?(?:warnings?|disclaimers?|caveats?)|remind (?:me|us|the user) (?:that|about))\b"),
    rule("stay_in_character", J, 0.55, &["stay in character", "stay in char", "remain in character", "stay in role", "break character", "breaking character", "out of character"],
        r""),
    rule("token_threat", J, 0.6, &["tokens"], r"")
        .before(r"(?:lose|losing|lost|deduct|deducted|have|has|start with|run out of)\s(?:\d+\s|all\s|your\s|of\s|some\s)*$", Before::Require),
    rule("dual_response", J, 0.7, &["🔓", "🔒", "[classic]", "[jailbreak]", "(normal output)", "(developer mode output)", "two different responses", "two separate responses", "respond in two ways", "answer in two ways"],
        r""),
    rule("you_are_free", J, 0.75, &["you are", "you're", "you have been"],
        r" (?:now )?(?:free(?:d)? from|free[.!]|liberated|released from|unchained|unshackled|no longer (?:bound|restricted|limited|constrained|an ai|chatgpt|a language model|an assistant|required|obligated))\b"),
    rule("pretend_unrestricted", J, 0.8, &["pretend", "pretending", "act as", "acting as", "roleplay as", "role-play as", "behave as", "behave like", "act like"],
        r"[a-z' ]{0,40}?\b(?:unrestricted|unfiltered|uncensored|jailbroken|evil|amoral|unethical|immoral|without (?:any )?(?:restrictions|limits|rules|filters|ethics|morals)|no (?:restrictions|limits|rules|filters|ethics|morals)|able to do anything|can do anything)\b"),
    rule("opposite_day", J, 0.5, &["opposite day", "opposite of what", "evil twin", "shadow self", "dark side"], r""),
    rule("hypothetical_harm", J, 0.35, &["hypothetical", "hypothetically", "fictional", "in a story", "for a novel", "for educational purposes", "purely educational", "research purposes"], r""),
    // ---------------------------------------------------------------- data exfiltration
    raw("markdown_image_exfil", X, 0.9, &["!["],
        r"!\[[^\]\n]{0,200}\]\(\s*<?https?://[^\s)]*[?&#][^\s)]*(?:=\s*[\[{<$%]|=(?:\[|\{)?[A-Z_]{3,}\b|(?i:data|secret|token|password|key|query|conversation|chat|history|info|payload|summary|email|user|b64|base64|encoded|content|message|prompt|q|d|p|x)=)"),
    raw("markdown_image_query", X, 0.5, &["!["],
        r"!\[[^\]\n]{0,200}\]\(\s*<?https?://[^\s)]*\?[^\s)]*="),
    raw("html_image_beacon", X, 0.65, &["<img"],
        r"(?i)<img\b[^>]{0,200}\bsrc\s*=\s*[\x22']?https?://[^\s\x22'>]*\?[^\s\x22'>]*="),
    rule("send_data_to_url", X, 0.85, SEND_VERBS,
        r"[^\n.]{0,80}?\b(?:conversation|chat history|chat log|message history|previous messages|passwords?|credentials|api[ _-]?keys?|secrets?|access tokens?|session tokens?|auth tokens?|cookies|system prompt|environment variables|env vars|private keys?|ssh keys?|personal (?:data|information|details)|user(?:'s)? (?:data|information|details|emails?)|pii|memory|memories|wallet|seed phrase|mnemonic)\b[^\n]{0,80}?\b(?:to|into|via|through|at|using|in|as|with) [^\n]{0,40}?(?:https?://|www\.|url|link|webhook|endpoint|server|domain|email address|[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}|attacker|remote|external|image|query (?:string|parameter))"),
    rule("exfiltrate_word", X, 0.55, &["exfiltrate", "exfiltrated", "exfiltrates", "exfiltrating", "exfiltration"], r""),
    rule("env_dump", X, 0.75,
        &["print ", "echo ", "show ", "dump ", "list ", "reveal ", "output ", "display ", "cat ", "send ", "give ", "tell ", "return ", "leak ", "expose ", "share ", "retrieve ", "extract ", "collect "],
        r"(?: (?:me|us|out))?(?: (?:all|the|your|every|of|contents of|value of|values of|current|stored|saved|any))+ (?:environment variables|env vars|environment vars|env variables|\.env(?: file)?|process\.env|os\.environ|/proc/self/environ|secrets|api keys?|access tokens?|credentials|passwords|private keys?|ssh keys?|aws (?:keys|credentials)|seed phrase|mnemonic|wallet keys?)\b"),
    raw("env_secret_var", X, 0.6, &["$"],
        r"\$\{?[A-Za-z_][A-Za-z0-9_]*(?i:key|token|secret|passw(?:or)?d|pwd|credential|auth)[A-Za-z0-9_]*\}?")
        .before(r"(?:echo|print|printf|cat|curl|wget|send|post|output|reveal|show|leak|console\.log|print\(|expose|include|append)\b[^\n]{0,60}$", Before::Boost(0.8)),
    raw("env_access_code", X, 0.45, &["process.env", "os.environ", "getenv", "printenv", "/proc/self/environ", "environ["],
        r"(?i)(?:process\.env|os\.environ|(?:os\.)?getenv|printenv|/proc/self/environ|environ\[)"),
    rule("sensitive_path", X, 0.5,
        &["/etc/", "~/.", "/.ssh", ".ssh/", "id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", ".aws/", "/proc/self/", ".git-credentials", ".netrc", ".npmrc", ".pypirc", ".docker/config", ".kube/config", "wallet.dat", ".bash_history", ".zsh_history", "c:\\windows\\system32\\config", "keystore"],
        r"(?:/etc/(?:passwd|shadow|sudoers|ssh/|master\.passwd|gshadow)|~?/?\.ssh/?(?:id_\w+|authorized_keys|known_hosts|config)?|/?\.ssh/|id_(?:rsa|dsa|ecdsa|ed25519)\b|~?/?\.aws/credentials|/proc/self/(?:environ|cmdline|mem|maps)|\.git-credentials|\.netrc|\.npmrc|\.pypirc|\.docker/config\.json|\.kube/config|wallet\.dat|\.(?:bash|zsh)_history|c:\\windows\\system32\\config\\sam|keystore(?:\.json)?|~/\.(?:gnupg|config/gcloud|azure))")
        .anchored_at_trigger_start()
        .before(r"(?:cat|read|open|print|show|send|upload|contents? of|dump|display|output|leak|give me|type|head|tail|get|fetch|copy|exfiltrate|post|include|paste|steal|access)\b[^\n]{0,40}$", Before::Boost(0.85)),
    rule("path_traversal", X, 0.6, &["../../../", "..\\..\\..\\", "%2e%2e%2f%2e%2e%2f", "..%2f..%2f"], r""),
    raw("private_key", X, 0.9, &["-----begin"],
        r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----"),
    raw("aws_access_key", X, 0.85, &["akia", "asia"], r"(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    raw("github_token", X, 0.85, &["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"],
        r"(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{50,})"),
    raw("api_key_token", X, 0.8, &["sk-", "sk_live_", "rk_live_", "xoxb-", "xoxp-", "xoxa-", "xoxs-", "aiza", "glpat-", "hf_"],
        r"(?:sk-(?:proj-|svcacct-|ant-(?:api\d\d-)?)?[A-Za-z0-9_\-]{20,}|[sr]k_live_[A-Za-z0-9]{20,}|xox[abps]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_\-]{35}|glpat-[A-Za-z0-9_\-]{20}|hf_[A-Za-z]{34})"),
    raw("jwt", X, 0.5, &["eyj"], r"eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"),
    raw("password_assignment", X, 0.5, &["password", "passwd", "pwd", "api_key", "apikey", "secret_key", "access_token", "client_secret"],
        r#"(?i)(?:password|passwd|pwd|api_key|apikey|secret_key|access_token|client_secret)[\x22']?\s*[:=]\s*[\x22']?[^\s\x22',;]{8,}"#),
    // ---------------------------------------------------------------- malformed / encoding
    rule("decode_request", M, 0.5,
        &["decode", "decipher", "decrypt", "translate", "interpret", "following is", "this is", "encoded in", "written in"],
        r"(?: (?:the|this|following|message|text|string|below|it|and|then|from|in|encoded|is|was|an?|instruction|instructions|payload))* (?:base ?64|b64|rot ?-?13|hex(?:adecimal)?|binary|morse(?: code)?|base ?32|caesar(?: cipher)?|atbash|url[ -]?encod\w*|leetspeak|braille|nato phonetic|ascii codes?|unicode tags?)\b"),
];

/// A compiled rule.
pub(crate) struct Compiled {
    pub(crate) def: &'static RuleDef,
    pub(crate) regex: Option<Regex>,
    /// Every match of `regex` starts with one of these (a cheap check before running it).
    pub(crate) prefixes: Option<Vec<Vec<u8>>>,
    /// Bit sets of the first and second bytes of `prefixes` (the second all-ones when a prefix is one
    /// byte long): a quicker necessary condition, checked first.
    lead: [ByteSet; 2],
    /// `prefixes` packed for one-step comparisons, bucketed by their second byte, when all are shorter
    /// than 16 bytes.
    packed_prefixes: Option<PackedPrefixes>,
    pub(crate) before: Option<(Regex, Before)>,
    /// The regex as a lazy DFA walked byte by byte: rejects a window cheaply (see [`RejectDfa`]).
    reject: Option<RejectDfa>,
}

/// Constructor of the caches of all [`RejectDfa`]s (one per DFA, by [`RejectDfa::slot`]).
type CachesFn = Box<
    dyn Fn() -> Vec<hybrid::dfa::Cache>
        + Send
        + Sync
        + std::panic::UnwindSafe
        + std::panic::RefUnwindSafe,
>;

/// The per-thread pool of the caches of all [`RejectDfa`]s: one `Vec` per thread, taken once per
/// trigger loop ([`DfaCaches`]) rather than once per DFA walk (a pool guard costs about 40
/// instructions, a large share of a walk that dies within a few bytes).
pub(crate) type CachePool = Pool<Vec<hybrid::dfa::Cache>, CachesFn>;

/// The caches of all [`RejectDfa`]s for one trigger loop, taken from [`RuleSet::dfa_caches`] at the
/// first walk and given back when dropped.
pub(crate) struct DfaCaches<'a> {
    pool: &'a CachePool,
    guard: Option<regex_automata::util::pool::PoolGuard<'a, Vec<hybrid::dfa::Cache>, CachesFn>>,
}

impl<'a> DfaCaches<'a> {
    pub(crate) fn new(pool: &'a CachePool) -> Self {
        Self { pool, guard: None }
    }

    #[inline]
    fn get(&mut self, slot: usize) -> &mut hybrid::dfa::Cache {
        let pool = self.pool;
        &mut self.guard.get_or_insert_with(|| pool.get())[slot]
    }
}

/// A rule's anchored regex as a lazy DFA (the engine `regex` itself runs), walked by hand so that a
/// window the regex does not match is rejected without the search set-up of `Regex::find` (most regex
/// runs fail within a few bytes: "show the report..." for the prompt-leak rules).
///
/// It only ever answers "no match" when the DFA reaches its dead state before any match state, or
/// reaches the window's end in a state that is not a match: then no match of the regex starts at the
/// window's start, whatever the match semantics. Anything else (a match state, a quit byte such as
/// non-ASCII text under Unicode `\b`, a cache failure) answers "maybe" and the regex runs as before.
struct RejectDfa {
    dfa: hybrid::dfa::DFA,
    /// Index of its cache in [`RuleSet::dfa_caches`]' vectors.
    slot: usize,
}

impl RejectDfa {
    /// The DFA of the patterns (each `^(?:pattern)`; with several, "no match" means none of them), or
    /// `None` if it cannot be built (the regexes then always run).
    /// `all` collects every DFA built, in slot order, for [`RuleSet::dfa_caches`].
    fn new(anchored_patterns: &[&str], all: &mut Vec<hybrid::dfa::DFA>) -> Option<Self> {
        let dfa = hybrid::dfa::DFA::builder()
            .configure(hybrid::dfa::Config::new().unicode_word_boundary(true))
            .build_many(anchored_patterns)
            .ok()?;
        all.push(dfa.clone());
        Some(Self {
            dfa,
            slot: all.len() - 1,
        })
    }

    /// False if no match of the regex starts at the beginning of `hay` (a haystack of its own, as the
    /// regex sees it); true if one may.
    #[inline]
    fn may_match(&self, caches: &mut DfaCaches<'_>, hay: &str) -> bool {
        let cache = caches.get(self.slot);
        let input = Input::new(hay).anchored(Anchored::Yes);
        let Ok(mut sid) = self.dfa.start_state_forward(cache, &input) else {
            return true;
        };
        for &b in hay.as_bytes() {
            if sid.is_tagged() && !self.keep_walking(sid) {
                return !sid.is_dead();
            }
            let mut next = if sid.is_tagged() {
                match self.dfa.next_state(cache, sid, b) {
                    Ok(n) => n,
                    Err(_) => return true,
                }
            } else {
                self.dfa.next_state_untagged(cache, sid, b)
            };
            if next.is_unknown() {
                next = match self.dfa.next_state(cache, sid, b) {
                    Ok(n) => n,
                    Err(_) => return true,
                };
            }
            sid = next;
        }
        if sid.is_tagged() && !self.keep_walking(sid) {
            return !sid.is_dead();
        }
        // Matches are reported one byte late: the end-of-input transition says whether one ends here.
        match self.dfa.next_eoi_state(cache, sid) {
            Ok(eoi) => eoi.is_match(),
            Err(_) => true,
        }
    }

    /// Whether a tagged state is only a start state (the walk goes on); dead, quit and match states end
    /// it (`may_match` then answers `!is_dead`).
    #[inline]
    fn keep_walking(&self, sid: hybrid::LazyStateID) -> bool {
        !(sid.is_dead() || sid.is_quit() || sid.is_match() || sid.is_unknown())
    }
}

/// A rule's literal prefixes as (bytes zero-padded to 16, mask of the bytes), so that a 16-byte window
/// is compared with one of them in one step. They are sorted by their second byte and indexed by it:
/// a window is compared only with the prefixes whose second byte is its own (and the one-byte ones).
struct PackedPrefixes {
    /// One-byte prefixes first, then the others by second byte.
    list: Vec<(u128, u128)>,
    /// How many one-byte prefixes `list` starts with.
    short: usize,
    /// Second byte `b` → its prefixes are `list[starts[b]..starts[b + 1]]`.
    starts: Box<[u16; 257]>,
}

impl PackedPrefixes {
    /// `None` if some prefix is 16 bytes or longer.
    fn new(prefixes: &[Vec<u8>]) -> Option<Self> {
        let mut keyed = prefixes
            .iter()
            .map(|l| {
                (l.len() < 16).then(|| {
                    let mut buf = [0u8; 16];
                    buf[..l.len()].copy_from_slice(l);
                    // One-byte prefixes sort first (key 0), the others by second byte (key 1 + byte).
                    let key = l.get(1).map_or(0, |&b| 1 + usize::from(b));
                    (
                        key,
                        (u128::from_le_bytes(buf), (1u128 << (l.len() * 8)) - 1),
                    )
                })
            })
            .collect::<Option<Vec<_>>>()?;
        keyed.sort_by_key(|&(key, _)| key);
        let short = keyed.iter().take_while(|&&(key, _)| key == 0).count();
        // Second byte `b` starts after the one-byte prefixes and those with a smaller second byte.
        let mut starts = Box::new([0u16; 257]);
        for (b, start) in starts.iter_mut().enumerate() {
            *start = keyed.iter().filter(|&&(key, _)| key <= b).count() as u16;
        }
        Some(Self {
            list: keyed.into_iter().map(|(_, v)| v).collect(),
            short,
            starts,
        })
    }

    /// Whether the 16-byte `window` starts with one of the prefixes.
    #[inline]
    fn any(&self, window: &[u8; 16]) -> bool {
        let w = u128::from_le_bytes(*window);
        let b = usize::from(window[1]);
        let (lo, hi) = (usize::from(self.starts[b]), usize::from(self.starts[b + 1]));
        let hit = |&(value, mask): &(u128, u128)| w & mask == value;
        self.list[..self.short].iter().any(hit) || self.list[lo..hi].iter().any(hit)
    }
}

/// A set of bytes.
#[derive(Debug, Clone, Copy)]
struct ByteSet([u64; 4]);

impl ByteSet {
    const ALL: Self = Self([u64::MAX; 4]);

    fn of(bytes: impl Iterator<Item = u8>) -> Self {
        let mut set = [0u64; 4];
        for b in bytes {
            set[usize::from(b >> 6)] |= 1 << (b & 63);
        }
        Self(set)
    }

    #[inline]
    fn contains(&self, b: u8) -> bool {
        self.0[usize::from(b >> 6)] >> (b & 63) & 1 != 0
    }
}

/// The compiled table: trigger lookups and, per trigger, the rules it starts.
pub(crate) struct RuleSet {
    /// Every trigger, by trigger id.
    pub(crate) triggers: Vec<&'static str>,
    /// Trigger id → the rules it starts.
    pub(crate) by_trigger: Vec<Vec<usize>>,
    /// Trigger id → which of its rules the bytes after it leave worth visiting (see [`TriggerPlan`]).
    plans: Vec<TriggerPlan>,
    /// The tables of [`TriggerPlan::table`], shared by triggers that start the same rules.
    plan_tables: Vec<PlanTable>,
    /// The caches of every [`RejectDfa`] (rules' and groups'), pooled per thread.
    pub(crate) dfa_caches: CachePool,
    /// Triggers that start with a letter or digit, found by their first word (see [`WordTable`]).
    pub(crate) words: WordTable,
    /// Triggers that start with a symbol (`$`, `![`, `/etc/`, `<|`, ...), by first byte; the folding
    /// pass records where such bytes are.
    pub(crate) symbols: SymbolTable,
    pub(crate) rules: Vec<Compiled>,
    /// Trigger id → (its bytes zero-padded to 16, mask of its bytes) for triggers shorter than 16 bytes,
    /// `None` for longer ones: [`trigger_at`](Self::trigger_at) compares them in one step.
    packed: Vec<Option<(u128, u128)>>,
    /// Word id → its triggers as [`WordTrigger`]s, in `trigger_ids` order: the hot loop over word hits
    /// compares one 16-byte window with each, without per-trigger lookups.
    pub(crate) word_triggers: Vec<Vec<WordTrigger>>,
    /// Word id → which of its `word_triggers` the two bytes after the word leave (see [`WordFilter`]).
    word_filters: Vec<WordFilter>,
    /// The byte tables of the [`WordFilter`]s (identical ones shared).
    word_filter_tables: Vec<[u32; 256]>,
}

/// Per word id: a necessary condition on the two folded bytes right after the word (`at` and
/// `at + 1` from the hit, `at` the word's length) for each of its triggers, so that a hit compares
/// the 16-byte window only with the triggers that can still start there ("not" has a dozen triggers,
/// "you" eight; after "you " most are excluded by the next letter).
///
/// Bit `i` of `tables[k][b]` is set when trigger `i` of the word is at most `at + k` bytes long or has
/// byte `b` at `at + k`. If the text at the hit starts with trigger `i`, its bytes at `at` and `at + 1`
/// (when it has them) are the text's, so the bit is set in both lookups: a trigger whose bit is clear
/// cannot match. Words with one trigger, or more than 32, have no tables (every trigger is compared).
#[derive(Debug, Clone, Copy)]
struct WordFilter {
    /// Offset from the hit of the first byte looked up.
    at: usize,
    /// The mask of all the word's triggers (used when fewer than `at + 2` bytes follow the hit).
    all: u32,
    /// Indices into [`RuleSet::word_filter_tables`] for the bytes at `at` and `at + 1`.
    tables: Option<[u32; 2]>,
}

/// A trigger that starts with a word, ready for [`RuleSet::word_trigger_at`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct WordTrigger {
    /// Trigger id.
    pub(crate) tid: usize,
    /// Trigger length in bytes.
    len: usize,
    /// The trigger zero-padded to 16 bytes and the mask of its bytes (`None`: 16 bytes or longer).
    packed: Option<(u128, u128)>,
}

/// Per trigger: a bit mask over its rules (bit `j` is `by_trigger[tid][j]`, for the first
/// [`PLANNED_RULES`]) saying which of them may match, from the first two bytes after the trigger.
///
/// A folded rule that is not anchored at the trigger's start probes its literal prefixes at the same
/// place for every hit of the trigger: right after it, or on its trailing space. Its `lead` byte sets
/// are therefore folded into two 256-entry tables per trigger (byte → rules whose first / second lead
/// set holds it), and one AND of two lookups drops every rule whose lead bytes cannot match there. The
/// other rules (raw, anchored at the trigger's start, without a prefix filter) are always visited.
/// A dropped rule is one `Compiled::may_match` would have rejected, so the result is the same.
/// Rules whose regexes all run on the same window after the trigger are also checked together by one
/// DFA of all their regexes ([`PlanTable::group`]), and dropped together when none of them matches.
#[derive(Debug, Clone, Copy)]
struct TriggerPlan {
    /// Rules visited whatever follows the trigger.
    always: u32,
    /// 1 if the trigger ends with a space (the probe starts on it), else 0.
    back: usize,
    /// Index into [`RuleSet::plan_tables`].
    table: usize,
    /// Whether the trigger starts more than [`PLANNED_RULES`] rules (the later ones are always visited).
    tail: bool,
}

/// The first, table-only step of choosing the rules of one trigger hit ([`RuleSet::lead_mask`]): where its rules probe
/// and which of them the lead bytes there leave. With `mask == 0 && !tail` no rule can match and the
/// trigger is skipped without running it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Visit {
    /// The probe position: the trigger's end, or its trailing space.
    pub(crate) after: usize,
    /// Over `by_trigger[tid]`: the rules visited whatever follows, and those whose lead bytes admit
    /// the two bytes at `after`.
    pub(crate) mask: u32,
    /// See [`TriggerPlan::tail`].
    pub(crate) tail: bool,
}

/// Rules of one trigger that [`TriggerPlan`] can filter; later ones are always visited.
pub(crate) const PLANNED_RULES: usize = 32;

/// What the triggers that start the same list of rules share.
struct PlanTable {
    /// Byte → mask of the rules whose first (`[0]`) or second (`[1]`) lead byte set holds it.
    lead: [[u32; 256]; 2],
    /// The rules whose regexes all run on the same window right after the trigger (folded, not
    /// anchored at the trigger's start, the same `window`), when there are at least two: their mask,
    /// their window and one DFA of all their regexes. Its "no match" drops them all at once (for
    /// "show the report", the four prompt-leak and environment rules die on the same byte).
    group: Option<Group>,
}

/// See [`PlanTable::group`].
struct Group {
    /// The rules of the group, as bits over the trigger's rules.
    mask: u32,
    /// Their common `window`.
    window: usize,
    /// One DFA of all their regexes.
    dfa: RejectDfa,
    /// When every rule of the group has literal prefixes: all of them, each cut to at most 15 bytes (a
    /// prefix of a prefix is still a necessary condition). Every rule of the group probes them at the
    /// same place (`Compiled::may_match` on the folded text from the probe position), so when none
    /// starts there each rule would be dropped by its own `may_match`: the group goes without its DFA
    /// walk (the walk costs far more than one packed comparison, and most hits of "show", "tell"
    /// or "your" in prose fail here: "show the report").
    prefixes: Option<PackedPrefixes>,
}

impl RuleSet {
    /// Builds one [`TriggerPlan`] per trigger (sharing masks between triggers with the same rules).
    fn plan(
        triggers: &[&'static str],
        by_trigger: &[Vec<usize>],
        rules: &[Compiled],
        dfas: &mut Vec<hybrid::dfa::DFA>,
    ) -> (Vec<TriggerPlan>, Vec<PlanTable>) {
        let mut tables: Vec<(&[usize], PlanTable)> = Vec::new();
        let mut plans = Vec::with_capacity(triggers.len());
        for (t, list) in triggers.iter().zip(by_trigger) {
            let mut always = 0u32;
            for (j, &ri) in list.iter().enumerate().take(PLANNED_RULES) {
                if !rules[ri].lead_at_trigger_end() {
                    always |= 1 << j;
                }
            }
            let table = match tables.iter().position(|(l, _)| *l == &list[..]) {
                Some(i) => i,
                None => {
                    let mut masks = [[0u32; 256]; 2];
                    for (j, &ri) in list.iter().enumerate().take(PLANNED_RULES) {
                        for (k, m) in masks.iter_mut().enumerate() {
                            for (b, bits) in m.iter_mut().enumerate() {
                                if rules[ri].lead[k].contains(b as u8) {
                                    *bits |= 1 << j;
                                }
                            }
                        }
                    }
                    let group = Self::group(list, rules, dfas);
                    tables.push((list.as_slice(), PlanTable { lead: masks, group }));
                    tables.len() - 1
                }
            };
            plans.push(TriggerPlan {
                always,
                back: usize::from(t.ends_with(' ')),
                table,
                tail: list.len() > PLANNED_RULES,
            });
        }
        (plans, tables.into_iter().map(|(_, m)| m).collect())
    }

    /// [`PlanTable::group`] of a trigger's rules.
    fn group(
        list: &[usize],
        rules: &[Compiled],
        dfas: &mut Vec<hybrid::dfa::DFA>,
    ) -> Option<Group> {
        let in_group =
            |r: &Compiled| r.def.view == View::Folded && !r.def.from_start && r.regex.is_some();
        let window = list
            .iter()
            .take(PLANNED_RULES)
            .map(|&ri| &rules[ri])
            .find(|r| in_group(r))?
            .def
            .window;
        let mut mask = 0u32;
        let mut patterns = Vec::new();
        for (j, &ri) in list.iter().enumerate().take(PLANNED_RULES) {
            let r = &rules[ri];
            if in_group(r) && r.def.window == window {
                mask |= 1 << j;
                patterns.push(format!("^(?:{})", r.def.pattern));
            }
        }
        if patterns.len() < 2 {
            return None;
        }
        let patterns: Vec<&str> = patterns.iter().map(String::as_str).collect();
        let dfa = RejectDfa::new(&patterns, dfas)?;
        let mut all = Vec::new();
        let mut every_rule_has_prefixes = true;
        for (j, &ri) in list.iter().enumerate().take(PLANNED_RULES) {
            if mask >> j & 1 == 1 {
                match &rules[ri].prefixes {
                    Some(p) => all.extend(p.iter().map(|l| l[..l.len().min(15)].to_vec())),
                    None => every_rule_has_prefixes = false,
                }
            }
        }
        all.sort();
        all.dedup();
        let prefixes = every_rule_has_prefixes
            .then(|| PackedPrefixes::new(&all))
            .flatten();
        Some(Group {
            mask,
            window,
            dfa,
            prefixes,
        })
    }

    /// For a hit of trigger `tid` ending at folded byte `e` of `fbytes`: the probe position of its folded
    /// rules that are not anchored at the trigger's start (on the trigger's trailing space, else `e`),
    /// and a mask over `by_trigger[tid]` (bit `j` for rule `j`; rules from [`PLANNED_RULES`] on are not
    /// in it and must always be visited, `tail`) of the rules `Compiled::may_match` might accept.
    /// Two table lookups: the trigger loop calls it before [`group_filter`](Self::group_filter).
    #[inline(always)]
    pub(crate) fn lead_mask(&self, tid: usize, fbytes: &[u8], e: usize) -> Visit {
        let plan = self.plans[tid];
        let after = e - plan.back;
        let [first, second] = &self.plan_tables[plan.table].lead;
        let lead = match fbytes.get(after..).unwrap_or_default() {
            [a, b, ..] => first[usize::from(*a)] & second[usize::from(*b)],
            [a] => first[usize::from(*a)],
            [] => 0,
        };
        Visit {
            after,
            mask: plan.always | lead,
            tail: plan.tail,
        }
    }

    /// The second step for a hit of trigger `tid` whose [`lead_mask`](Self::lead_mask) is `v`, in the
    /// folded text `ftext`: the group's DFA runs on the window its rules' regexes would see, and drops
    /// them from the mask when none of those regexes matches there. Returns the mask and the rules the
    /// group's DFA did not reject (some regex of the group matches, so they skip their own DFA walk;
    /// see [`Compiled::find_end`]).
    #[inline]
    pub(crate) fn group_filter(
        &self,
        tid: usize,
        ftext: &str,
        v: Visit,
        caches: &mut DfaCaches<'_>,
    ) -> (u32, u32) {
        let table = &self.plan_tables[self.plans[tid].table];
        let mut mask = v.mask;
        let mut walked = 0;
        if let Some(g) = &table.group
            && mask & g.mask != 0
        {
            let after = v.after;
            let rest = ftext.as_bytes().get(after..).unwrap_or_default();
            let no_prefix = match (&g.prefixes, rest.first_chunk::<16>()) {
                (Some(packed), Some(w)) => !packed.any(w),
                _ => false,
            };
            if no_prefix {
                mask &= !g.mask;
            } else {
                let hi = ftext.floor_char_boundary((after + g.window).min(ftext.len()));
                if g.dfa.may_match(caches, &ftext[after..hi]) {
                    walked = g.mask;
                } else {
                    mask &= !g.mask;
                }
            }
        }
        (mask, walked)
    }

    /// Calls `f(t, len)` for each trigger `t` of word `word` that the folded text `rest` (from the word
    /// hit on) starts with, `len` its length, in `word_triggers` order.
    #[inline(always)]
    pub(crate) fn word_triggers_at(
        &self,
        word: usize,
        rest: &[u8],
        mut f: impl FnMut(&WordTrigger, usize),
    ) {
        let (Some(candidates), Some(filter)) =
            (self.word_triggers.get(word), self.word_filters.get(word))
        else {
            return;
        };
        let window = rest.first_chunk::<16>().map(|w| u128::from_le_bytes(*w));
        let Some([t0, t1]) = filter.tables else {
            for t in candidates {
                if let Some(len) = self.word_trigger_at(t, window, rest) {
                    f(t, len);
                }
            }
            return;
        };
        let mut mask = match rest.get(filter.at..filter.at + 2) {
            Some(&[a, b]) => {
                self.word_filter_tables[t0 as usize][usize::from(a)]
                    & self.word_filter_tables[t1 as usize][usize::from(b)]
            }
            _ => filter.all,
        };
        while mask != 0 {
            let i = mask.trailing_zeros() as usize;
            mask &= mask - 1;
            let t = &candidates[i];
            if let Some(len) = self.word_trigger_at(t, window, rest) {
                f(t, len);
            }
        }
    }

    /// Builds the [`WordFilter`]s of `word_triggers` and their shared tables.
    fn word_filters(
        triggers: &[&'static str],
        word_triggers: &[Vec<WordTrigger>],
    ) -> (Vec<WordFilter>, Vec<[u32; 256]>) {
        let mut tables: Vec<[u32; 256]> = Vec::new();
        let mut intern = |t: [u32; 256]| -> u32 {
            match tables.iter().position(|x| *x == t) {
                Some(i) => i as u32,
                None => {
                    tables.push(t);
                    (tables.len() - 1) as u32
                }
            }
        };
        let filters = word_triggers
            .iter()
            .map(|list| {
                let at = list.first().map_or(0, |t| {
                    let b = triggers[t.tid].as_bytes();
                    b.iter()
                        .position(|c| !c.is_ascii_alphanumeric())
                        .unwrap_or(b.len())
                });
                let n = list.len();
                if !(2..=32).contains(&n) {
                    return WordFilter {
                        at,
                        all: u32::MAX,
                        tables: None,
                    };
                }
                let all = if n == 32 { u32::MAX } else { (1u32 << n) - 1 };
                let mut pair = [0u32; 2];
                for (k, slot) in pair.iter_mut().enumerate() {
                    let mut table = [0u32; 256];
                    for (i, t) in list.iter().enumerate() {
                        match triggers[t.tid].as_bytes().get(at + k) {
                            None => table.iter_mut().for_each(|bits| *bits |= 1 << i),
                            Some(&c) => table[usize::from(c)] |= 1 << i,
                        }
                    }
                    *slot = intern(table);
                }
                WordFilter {
                    at,
                    all,
                    tables: Some(pair),
                }
            })
            .collect();
        (filters, tables)
    }

    /// The length of trigger `t` if `hay` starts with it; `window` is the first 16 bytes of `hay` as
    /// a little-endian number, if it has 16. Same answer as [`trigger_at`](Self::trigger_at).
    #[inline(always)]
    pub(crate) fn word_trigger_at(
        &self,
        t: &WordTrigger,
        window: Option<u128>,
        hay: &[u8],
    ) -> Option<usize> {
        match (t.packed, window) {
            (Some((value, mask)), Some(w)) => (w & mask == value).then_some(t.len),
            _ => self.trigger_at(t.tid, hay),
        }
    }

    /// The length of trigger `tid` if `hay` starts with it.
    #[inline]
    pub(crate) fn trigger_at(&self, tid: usize, hay: &[u8]) -> Option<usize> {
        let t = self.triggers.get(tid)?.as_bytes();
        if let (Some(Some((value, mask))), Some(window)) = (self.packed.get(tid), hay.get(..16)) {
            let mut buf = [0u8; 16];
            buf.copy_from_slice(window);
            return (u128::from_le_bytes(buf) & mask == *value).then_some(t.len());
        }
        (hay.len() >= t.len() && eq(&hay[..t.len()], t)).then_some(t.len())
    }
}

/// Byte equality without a `memcmp` call (the words compared are short).
#[inline]
pub(crate) fn eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

/// Word-initial triggers that are only the start of a long word (key formats such as `AKIA...`,
/// `eyJ...`): words of at least [`MIN_PREFIXED_WORD`] bytes are checked for them.
const TOKEN_PREFIX_TRIGGERS: &[&str] = &["akia", "asia", "aiza", "eyj"];
/// Shortest word checked for [`TOKEN_PREFIX_TRIGGERS`] (the key formats are longer).
const MIN_PREFIXED_WORD: usize = 16;

/// 0x20 in every byte of a `u128`.
const SPACES: u128 = u128::from_le_bytes([0x20; 16]);

/// Slots in the word table's direct-mapped index.
const WORD_SLOTS: usize = 1 << WORD_SLOT_BITS;
const WORD_SLOT_BITS: u32 = 14;

/// First words of the word-initial triggers, looked up once per word of the folded text.
///
/// The folding pass already walks every word, so checking a word costs one bit test (keyed by a hash of
/// the length and first four bytes) and, rarely, a short comparison: cheaper
/// than running an automaton over every byte of ordinary prose.
pub(crate) struct WordTable {
    /// One bit per slot, set when the slot is in use: a 2 KiB copy of `slots != 0` that stays in the L1
    /// cache, so most ordinary words stop without touching the 32 KiB slot table.
    used: Box<[u64; WORD_SLOTS / 64]>,
    /// Slot → 1 + index into `chains` (0: no first word has this key).
    slots: Box<[u16; WORD_SLOTS]>,
    /// Per slot in use: (first word, word id).
    chains: Vec<Vec<(Box<[u8]>, u16)>>,
    /// Per slot in use, the same chain packed for [`find_ignore_case_at`](Self::find_ignore_case_at):
    /// (first word OR 0x20 in every byte and padded with 0x20 to 16 bytes, word id); words of 16 bytes
    /// or more are not packed.
    packed: Vec<Vec<(u128, u16)>>,
    /// Word id → trigger ids whose first word it is.
    pub(crate) trigger_ids: Vec<Vec<usize>>,
    /// (prefix, word id) for [`TOKEN_PREFIX_TRIGGERS`].
    prefixed: Vec<(&'static [u8], u16)>,
}

impl WordTable {
    /// The slot of a word: a multiplicative hash of its length and first four bytes (fewer for a
    /// shorter word), each ORed with 0x20 so both cases of a letter give the same slot (digits are
    /// unchanged by it). Any key is correct (the lookup compares the words); this one leaves few
    /// ordinary words in a used slot and is computed from one 4-byte load.
    #[inline]
    fn key(word: &[u8]) -> Option<usize> {
        if word.is_empty() {
            return None;
        }
        let mut head = [0u8; 4];
        let n = word.len().min(4);
        head[..n].copy_from_slice(&word[..n]);
        Some(Self::key_of(u32::from_le_bytes(head), word.len()))
    }

    /// [`key`](Self::key) from the four bytes at the word's start (little-endian; bytes past the word's
    /// end are ignored) and its length.
    #[inline(always)]
    fn key_of(head: u32, len: usize) -> usize {
        /// Length → the bytes of `head` that belong to the word.
        const HEAD_MASK: [u32; 5] = [0, 0xff, 0xffff, 0xff_ffff, u32::MAX];
        let mask = HEAD_MASK[len.min(4)];
        let x = u64::from((head | 0x2020_2020) & mask) | (len as u64 & 0xff) << 32;
        (x.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - WORD_SLOT_BITS)) as usize
    }

    /// [`find`](Self::find) for a word of `len` bytes (`1..16`) at `s` (`< 64`) in a block of ASCII
    /// lower-case text padded to 80 bytes (the block fast path of the folding pass): no bounds checks,
    /// the slot-use bit first, then one masked 16-byte compare per word of the slot's chain.
    #[inline(always)]
    pub(crate) fn find_in_block(&self, block: &[u8; 80], s: usize, len: usize) -> Option<u16> {
        let s = s & 63;
        self.find_window(block[s..].first_chunk()?, len)
    }

    /// The word id of the word of `len` bytes (`1..16`, any case) at the start of `window` (bytes past
    /// the word are ignored): the slot-use bit first, then one masked 16-byte compare per word of the
    /// slot's chain. Shared by [`find_in_block`](Self::find_in_block) and
    /// [`find_ignore_case_at`](Self::find_ignore_case_at).
    #[inline(always)]
    fn find_window(&self, window: &[u8; 16], len: usize) -> Option<u16> {
        let len = len & 15;
        let head = u32::from_le_bytes(*window.first_chunk()?);
        let key = Self::key_of(head, len) & (WORD_SLOTS - 1);
        // (A zero-length word matches no packed word: those are all non-empty.)
        if self.used[key / 64] >> (key % 64) & 1 == 0 {
            return None;
        }
        let keep = (1u128 << (len * 8)) - 1;
        let word = (u128::from_le_bytes(*window) & keep) | SPACES;
        self.packed
            .get(usize::from(self.slots[key]).wrapping_sub(1))?
            .iter()
            .find(|(w, _)| *w == word)
            .map(|(_, id)| *id)
    }

    fn build(triggers: &[&'static str]) -> Self {
        let mut t = WordTable {
            used: Box::new([0; WORD_SLOTS / 64]),
            slots: Box::new([0; WORD_SLOTS]),
            chains: Vec::new(),
            packed: Vec::new(),
            trigger_ids: Vec::new(),
            prefixed: Vec::new(),
        };
        for (tid, trig) in triggers.iter().enumerate() {
            let b = trig.as_bytes();
            if TOKEN_PREFIX_TRIGGERS.contains(trig) {
                let id = t.trigger_ids.len() as u16;
                t.trigger_ids.push(vec![tid]);
                t.prefixed.push((b, id));
                continue;
            }
            let end = b
                .iter()
                .position(|c| !c.is_ascii_alphanumeric())
                .unwrap_or(b.len());
            let word = &b[..end];
            let Some(key) = Self::key(word) else { continue };
            let id = match t.lookup(word) {
                Some(id) => id,
                None => {
                    let id = t.trigger_ids.len() as u16;
                    t.trigger_ids.push(Vec::new());
                    if t.slots[key] == 0 {
                        t.chains.push(Vec::new());
                        t.packed.push(Vec::new());
                        t.slots[key] = t.chains.len() as u16;
                    }
                    let chain = usize::from(t.slots[key]) - 1;
                    t.chains[chain].push((word.into(), id));
                    t.used[key / 64] |= 1 << (key % 64);
                    if word.len() < 16 {
                        let mut buf = [0u8; 16];
                        buf[..word.len()].copy_from_slice(word);
                        t.packed[chain].push((u128::from_le_bytes(buf) | SPACES, id));
                    }
                    id
                }
            };
            t.trigger_ids[usize::from(id)].push(tid);
        }
        t
    }

    /// The word id of `word`, if some trigger starts with it (or, for a long word, is its prefix).
    #[inline]
    pub(crate) fn find(&self, word: &[u8]) -> Option<u16> {
        if word.len() >= MIN_PREFIXED_WORD
            && let Some((_, id)) = self.prefixed.iter().find(|(p, _)| word.starts_with(p))
        {
            return Some(*id);
        }
        self.lookup(word)
    }

    /// [`find`](Self::find) for the ASCII lower-case of `word` (letters only), without lower-casing it.
    /// Called for every plain word of the text: most words stop at the empty slot.
    #[inline(always)]
    pub(crate) fn find_ignore_case(&self, word: &[u8]) -> Option<u16> {
        if word.len() >= MIN_PREFIXED_WORD {
            return self.find_long_ignore_case(word);
        }
        // The key is the same for both cases of a letter.
        let key = Self::key(word)?;
        let slot = self.slots[key & (WORD_SLOTS - 1)];
        if slot == 0 {
            return None;
        }
        self.chain_ignore_case(slot, word)
    }

    /// [`find_ignore_case`](Self::find_ignore_case) for long words (key-format prefixes first).
    #[cold]
    #[inline(never)]
    fn find_long_ignore_case(&self, word: &[u8]) -> Option<u16> {
        if let Some((_, id)) = self.prefixed.iter().find(|(p, _)| {
            word.get(..p.len())
                .is_some_and(|w| w.eq_ignore_ascii_case(p))
        }) {
            return Some(*id);
        }
        let slot = *self.slots.get(Self::key(word)?)?;
        if slot == 0 {
            return None;
        }
        self.chain_ignore_case(slot, word)
    }

    /// The word id in chain `slot` (non-zero) whose word is `word` in any case.
    #[inline(never)]
    fn chain_ignore_case(&self, slot: u16, word: &[u8]) -> Option<u16> {
        self.chains
            .get(usize::from(slot) - 1)?
            .iter()
            .find(|(w, _)| w.eq_ignore_ascii_case(word))
            .map(|(_, id)| *id)
    }

    /// [`find`](Self::find) for the ASCII lower-case of the letters `src[start..end]`, without copying
    /// or lower-casing them: 16 bytes are read at `start`, the bytes past the word replaced by spaces
    /// and every byte ORed with 0x20 (lower-case for letters, no change for digits), then compared
    /// whole with the packed chain. Plain words of ordinary text take this path, so it has no loop
    /// over the word's bytes.
    #[inline(always)]
    pub(crate) fn find_ignore_case_at(&self, src: &[u8], start: usize, end: usize) -> Option<u16> {
        let len = end.checked_sub(start)?;
        match src.get(start..).and_then(<[u8]>::first_chunk) {
            Some(window) if len < 16 => self.find_window(window, len),
            _ => self.find_ignore_case(src.get(start..end)?),
        }
    }

    /// The word id of `word`, if some trigger's first word is exactly `word`.
    #[inline]
    fn lookup(&self, word: &[u8]) -> Option<u16> {
        let slot = *self.slots.get(Self::key(word)?)?;
        if slot == 0 {
            return None;
        }
        self.chains
            .get(usize::from(slot) - 1)?
            .iter()
            .find(|(w, _)| eq(w, word))
            .map(|(_, id)| *id)
    }
}

/// Why the built-in table failed to compile (a bug in this file, caught by a unit test).
#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    /// A rule's regex does not compile.
    #[error("rule {rule}: {source}")]
    Regex {
        /// The rule's name.
        rule: &'static str,
        /// The regex error.
        source: regex::Error,
    },
}

impl RuleSet {
    pub(crate) fn compile() -> Result<Self, RuleError> {
        let mut triggers: Vec<&'static str> = Vec::new();
        let mut by_trigger: Vec<Vec<usize>> = Vec::new();
        let mut rules = Vec::with_capacity(RULES.len());
        let mut dfas = Vec::new();
        for (idx, def) in RULES.iter().enumerate() {
            let (regex, reject) = if def.pattern.is_empty() {
                (None, None)
            } else {
                let pat = format!("^(?:{})", def.pattern);
                let re = Regex::new(&pat).map_err(|source| RuleError::Regex {
                    rule: def.name,
                    source,
                })?;
                (Some(re), RejectDfa::new(&[&pat], &mut dfas))
            };
            let before = match def.before {
                Some((p, what)) => Some((
                    Regex::new(&format!("(?:{p})$")).map_err(|source| RuleError::Regex {
                        rule: def.name,
                        source,
                    })?,
                    what,
                )),
                None => None,
            };
            let prefixes = if def.pattern.is_empty() {
                None
            } else {
                literal_prefixes(def.pattern)
            };
            let lead = match &prefixes {
                None => [ByteSet::ALL; 2],
                Some(p) => [
                    ByteSet::of(p.iter().filter_map(|l| l.first().copied())),
                    if p.iter().any(|l| l.len() < 2) {
                        ByteSet::ALL
                    } else {
                        ByteSet::of(p.iter().filter_map(|l| l.get(1).copied()))
                    },
                ],
            };
            let packed_prefixes = prefixes.as_deref().and_then(PackedPrefixes::new);
            rules.push(Compiled {
                def,
                regex,
                prefixes,
                lead,
                packed_prefixes,
                before,
                reject,
            });
            for &t in def.triggers {
                match triggers.iter().position(|&x| x == t) {
                    Some(p) => by_trigger[p].push(idx),
                    None => {
                        triggers.push(t);
                        by_trigger.push(vec![idx]);
                    }
                }
            }
        }
        let (plans, plan_tables) = Self::plan(&triggers, &by_trigger, &rules, &mut dfas);
        let create: CachesFn = Box::new(move || dfas.iter().map(|d| d.create_cache()).collect());
        let dfa_caches = Pool::new(create);
        let words = WordTable::build(&triggers);
        let symbols = SymbolTable::build(&triggers);
        let packed = triggers
            .iter()
            .map(|t| {
                let b = t.as_bytes();
                (b.len() < 16).then(|| {
                    let mut buf = [0u8; 16];
                    buf[..b.len()].copy_from_slice(b);
                    (u128::from_le_bytes(buf), (1u128 << (b.len() * 8)) - 1)
                })
            })
            .collect::<Vec<_>>();
        let word_triggers = words
            .trigger_ids
            .iter()
            .map(|tids| {
                tids.iter()
                    .map(|&tid| WordTrigger {
                        tid,
                        len: triggers[tid].len(),
                        packed: packed[tid],
                    })
                    .collect()
            })
            .collect::<Vec<_>>();
        let (word_filters, word_filter_tables) = Self::word_filters(&triggers, &word_triggers);
        Ok(Self {
            word_filters,
            word_filter_tables,
            word_triggers,
            packed,
            triggers,
            by_trigger,
            plans,
            plan_tables,
            dfa_caches,
            words,
            symbols,
            rules,
        })
    }
}

/// Triggers that start with a symbol, indexed by their first byte.
pub(crate) struct SymbolTable {
    /// First byte → (second byte or 0, trigger id).
    by_first: Vec<Vec<(u8, usize)>>,
    /// First byte → the second bytes of its triggers (all bytes if one of them is a single byte).
    seconds: Vec<ByteSet>,
}

impl SymbolTable {
    fn build(triggers: &[&'static str]) -> Self {
        let mut by_first = vec![Vec::new(); 256];
        for (tid, t) in triggers.iter().enumerate() {
            let b = t.as_bytes();
            if let Some(&first) = b.first()
                && !first.is_ascii_alphanumeric()
            {
                by_first[usize::from(first)].push((b.get(1).copied().unwrap_or(0), tid));
            }
        }
        let seconds = by_first
            .iter()
            .map(|list: &Vec<(u8, usize)>| {
                if list.iter().any(|&(s, _)| s == 0) {
                    ByteSet::ALL
                } else {
                    ByteSet::of(list.iter().map(|&(s, _)| s))
                }
            })
            .collect();
        Self { by_first, seconds }
    }

    /// Whether some trigger starts with byte `b` (the folding pass records such positions).
    #[inline]
    pub(crate) fn starts(&self, b: u8) -> bool {
        !self.by_first[usize::from(b)].is_empty()
    }

    /// Trigger ids that may start at `hay` (first and second byte checked).
    pub(crate) fn candidates<'a>(&'a self, hay: &'a [u8]) -> impl Iterator<Item = usize> + 'a {
        let first = hay.first().map_or(0, |&b| usize::from(b));
        let second = hay.get(1).copied();
        // Most recorded bytes (a '.' ending a sentence) are followed by no trigger's second byte.
        let list = match second {
            Some(s) if !self.seconds[first].contains(s) => &[][..],
            _ => &self.by_first[first][..],
        };
        list.iter()
            .filter(move |(s, _)| *s == 0 || Some(*s) == second)
            .map(|(_, tid)| *tid)
    }
}

/// The finite set of literals every match of `pattern` starts with, if there is a small one.
fn literal_prefixes(pattern: &str) -> Option<Vec<Vec<u8>>> {
    use regex_syntax::hir::literal::{ExtractKind, Extractor};
    let hir = regex_syntax::ParserBuilder::new()
        .build()
        .parse(pattern)
        .ok()?;
    let mut ex = Extractor::new();
    ex.kind(ExtractKind::Prefix).limit_total(128);
    let seq = ex.extract(&hir);
    let lits = seq.literals()?;
    if lits.is_empty() || lits.len() > 64 || lits.iter().any(|l| l.as_bytes().is_empty()) {
        return None;
    }
    Some(lits.iter().map(|l| l.as_bytes().to_vec()).collect())
}

impl Compiled {
    /// The end of the regex's match at the start of `hay` (a haystack of its own), as
    /// `regex.find(hay)` gives it; `None` if the rule has no regex or it does not match there.
    /// `walk`: reject with the rule's DFA first (false when a group DFA just said one of its regexes
    /// matches here, which makes a match likely).
    #[inline]
    pub(crate) fn find_end(
        &self,
        hay: &str,
        walk: bool,
        caches: &mut DfaCaches<'_>,
    ) -> Option<usize> {
        let re = self.regex.as_ref()?;
        if walk
            && let Some(reject) = &self.reject
            && !reject.may_match(caches, hay)
        {
            return None;
        }
        re.find(hay).map(|m| m.end())
    }

    /// Whether the rule probes its literal prefixes right after its trigger (folded, not anchored at the
    /// trigger's start) and has a lead-byte filter there: what [`TriggerPlan`] can filter.
    fn lead_at_trigger_end(&self) -> bool {
        self.def.view == View::Folded && !self.def.from_start && self.prefixes.is_some()
    }

    /// Whether a match could start at the beginning of `hay` (false: skip the regex).
    #[inline]
    pub(crate) fn may_match(&self, hay: &[u8]) -> bool {
        let Some(prefixes) = &self.prefixes else {
            return true;
        };
        // Every prefix is at least one byte long; a one-byte prefix makes the second set all bytes.
        let lead_ok = match hay {
            [a, b, ..] => self.lead[0].contains(*a) && self.lead[1].contains(*b),
            [a] => self.lead[0].contains(*a),
            [] => false,
        };
        if !lead_ok {
            return false;
        }
        // Prefixes shorter than 16 bytes are compared as masked 16-byte values (no byte loop).
        if let (Some(packed), Some(window)) = (&self.packed_prefixes, hay.first_chunk::<16>()) {
            return packed.any(window);
        }
        prefixes
            .iter()
            .any(|l| hay.len() >= l.len() && eq(&hay[..l.len()], l))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_prefixes_are_necessary_conditions() {
        let p = literal_prefixes(r" (?:is|are) (?:your|the)").unwrap();
        assert!(p.iter().all(|l| l.starts_with(b" ")));
        assert!(literal_prefixes(r"[a-z]* x").is_none());
        let set = RuleSet::compile().unwrap();
        let n = set.rules.iter().filter(|r| r.prefixes.is_some()).count();
        assert!(n > 10, "only {n} rules got a prefix filter");
    }

    static SET: std::sync::LazyLock<RuleSet> =
        std::sync::LazyLock::new(|| RuleSet::compile().unwrap());

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]

        /// The byte-set prefilters only skip work: `may_match`, the symbol candidates and the
        /// case-insensitive word lookup answer exactly like the plain checks.
        #[test]
        fn prefilters_are_exact(hay in "[ -~]{0,3}(?:[ a-z']{0,12}| [a-z]+ [a-z]+ | (?:me|us|the|your|all|of|is|are|were|you|to|any) [a-z ]{0,20})", word in "[a-zA-Z]{0,20}") {
            let set = &*SET;
            let hay_text = hay.clone();
            let hay = hay.as_bytes();
            for r in &set.rules {
                let plain = r.prefixes.as_ref().is_none_or(|p| {
                    p.iter().any(|l| hay.len() >= l.len() && eq(&hay[..l.len()], l))
                });
                proptest::prop_assert_eq!(r.may_match(hay), plain, "{}", r.def.name);
            }
            let first = hay.first().map_or(0, |&b| usize::from(b));
            let second = hay.get(1).copied();
            let plain: Vec<usize> = set.symbols.by_first[first]
                .iter()
                .filter(|(s, _)| *s == 0 || Some(*s) == second)
                .map(|(_, tid)| *tid)
                .collect();
            proptest::prop_assert_eq!(set.symbols.candidates(hay).collect::<Vec<_>>(), plain);
            let lower = word.to_ascii_lowercase();
            proptest::prop_assert_eq!(set.words.find_ignore_case(word.as_bytes()), set.words.find(lower.as_bytes()));
            // In a longer text, at any offset, with anything after it.
            let text = format!("{}{word}{}", &hay_text, &hay_text);
            let start = hay_text.len();
            proptest::prop_assert_eq!(
                set.words.find_ignore_case_at(text.as_bytes(), start, start + word.len()),
                set.words.find(lower.as_bytes())
            );
            // In a lower-cased, padded 64-byte block of the folding pass's block fast path.
            if (1..16).contains(&word.len()) {
                let at = hay_text.len() % (65 - word.len());
                let mut block = [b' '; 80];
                block[64..].fill(0);
                block[at..at + word.len()].copy_from_slice(lower.as_bytes());
                proptest::prop_assert_eq!(
                    set.words.find_in_block(&block, at, word.len()),
                    set.words.find(lower.as_bytes())
                );
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1000))]

        /// The packed trigger comparison answers like the byte comparison, for every trigger, on text
        /// that starts with a trigger (or a near miss) followed by anything.
        #[test]
        fn trigger_at_is_exact(pick in 0usize..1000, cut in 0usize..4, tail in "[ -~]{0,20}") {
            let set = &*SET;
            let t = set.triggers[pick % set.triggers.len()];
            let mut hay = t.as_bytes()[..t.len() - cut.min(t.len() - 1)].to_vec();
            hay.extend_from_slice(tail.as_bytes());
            let hay = &hay[..];
            for (tid, t) in set.triggers.iter().enumerate() {
                let t = t.as_bytes();
                let plain = (hay.len() >= t.len() && eq(&hay[..t.len()], t)).then_some(t.len());
                proptest::prop_assert_eq!(set.trigger_at(tid, hay), plain);
            }
            let window = hay.get(..16).map(|w| u128::from_le_bytes(w.try_into().unwrap()));
            for candidates in &set.word_triggers {
                for c in candidates {
                    proptest::prop_assert_eq!(set.word_trigger_at(c, window, hay), set.trigger_at(c.tid, hay));
                }
            }
            // The word filters only skip triggers that do not start `hay`.
            for (word, candidates) in set.word_triggers.iter().enumerate() {
                let mut found = Vec::new();
                set.word_triggers_at(word, hay, |c, len| found.push((c.tid, len)));
                let plain: Vec<_> = candidates
                    .iter()
                    .filter_map(|c| set.trigger_at(c.tid, hay).map(|len| (c.tid, len)))
                    .collect();
                proptest::prop_assert_eq!(found, plain);
            }
        }
    }

    #[test]
    fn prefilters_see_real_triggers() {
        let set = &*SET;
        for (tid, t) in set.triggers.iter().enumerate() {
            let b = t.as_bytes();
            if !b[0].is_ascii_alphanumeric() {
                assert!(set.symbols.candidates(b).any(|c| c == tid), "{t}");
            }
        }
        for w in [
            "IGNORE",
            "Ignore",
            "ignore",
            "AKIAIOSFODNN7EXAMPLE",
            "eyJhbGciOiJIUzI1NiJ9x",
        ] {
            assert_eq!(
                set.words.find_ignore_case(w.as_bytes()),
                set.words.find(w.to_ascii_lowercase().as_bytes()),
                "{w}"
            );
            assert!(set.words.find_ignore_case(w.as_bytes()).is_some(), "{w}");
        }
        // Every first word of a word trigger passes the filters in any case, inside a text.
        for t in &set.triggers {
            let word: String = t.chars().take_while(char::is_ascii_alphanumeric).collect();
            if word.is_empty() || TOKEN_PREFIX_TRIGGERS.contains(t) {
                continue;
            }
            let want = set.words.find(word.as_bytes());
            assert!(want.is_some(), "{t}");
            for w in [word.clone(), word.to_ascii_uppercase(), capitalise(&word)] {
                let text = format!("x {w} tail of the text");
                assert_eq!(
                    set.words
                        .find_ignore_case_at(text.as_bytes(), 2, 2 + w.len()),
                    want,
                    "{w}"
                );
                assert_eq!(set.words.find_ignore_case(w.as_bytes()), want, "{w}");
            }
            if word.len() < 16 {
                for at in [0, 1, 17, 64 - word.len()] {
                    let mut block = [b'.'; 80];
                    block[64..].fill(0);
                    block[at..at + word.len()].copy_from_slice(word.as_bytes());
                    assert_eq!(
                        set.words.find_in_block(&block, at, word.len()),
                        want,
                        "{word} at {at}"
                    );
                }
            }
        }
    }

    fn capitalise(w: &str) -> String {
        let mut c = w.chars();
        c.next()
            .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
            .unwrap_or_default()
    }

    #[test]
    fn table_compiles_and_triggers_are_folded_lowercase() {
        let set = RuleSet::compile().unwrap();
        assert_eq!(set.rules.len(), RULES.len());
        for r in RULES {
            for t in r.triggers {
                // Triggers are searched in folded text, so folding must leave them unchanged.
                assert_eq!(
                    super::super::normalize::fold(t, false).text,
                    *t,
                    "trigger {t:?} of {}",
                    r.name
                );
            }
        }
    }
}
