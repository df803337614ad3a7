/**
 * The cookbook rule language (chevrotain lexer + parser). A rule file holds rules like
 *
 *   # LLaMA's RMSNorm, written out by hand
 *   rule rms_norm {
 *     match `$x * torch.rsqrt($x.pow(2).mean(-1, keepdim=True) + $eps)`
 *     where $eps is not string
 *     replace `mx.fast.rms_norm($x, None, $eps)`
 *     example `...a whole PyTorch file that uses it...`
 *     expect `mx.fast.rms_norm(`
 *   }
 *
 * Grammar (keywords are reserved only at the start of a clause; `#` starts a comment):
 *
 *   file      := rule*
 *   rule      := "rule" NAME "{" clause* "}"
 *   clause    := "match" CODE                      one or more; alternatives, tried in order
 *              | "where" cond (("," | "and") cond)*
 *              | "replace" CODE                    exactly one
 *              | "helper" NAME ("," NAME)*         cookbook/helpers/<NAME>.py, emitted once per file
 *              | "import" STRING                   an import line the replacement needs
 *              | "example" CODE                    a PyTorch file the rule must fire on (the test suite runs it)
 *              | "expect" CODE                     text the example's output must contain
 *   cond      := METAVAR "is" ["not"] TYPE
 *              | METAVAR ("==" | "!=" | "<" | "<=" | ">" | ">=") literal
 *              | METAVAR ["not"] "in" "[" literal ("," literal)* "]"
 *   TYPE      := int | float | number | string | bool | none | name | attribute | call | literal
 *              | arithmetic  (names, attributes, numbers and operators only: reads the same in MLX)
 *   CODE      := `...` (backticks; may span lines; common indentation is removed)
 *   METAVAR   := $name | $...name  ($...name matches zero or more arguments, parameters or statements)
 *
 * A pattern is Python (parsed by tree-sitter-python) with metavariables in it. Its kind follows from what it
 * parses to: one expression → the rule rewrites expressions; one `def` → whole functions; one other
 * statement → statements; several statements → a run of consecutive statements of one block (the first takes
 * the replacement, the others are removed). Torch names in a pattern are written as `torch.*`, `nn.*` or `F.*` and match the
 * input's spelling under its imports. A def rule's replacement is a def whose body replaces the matched
 * function's body (the def line stays the input's). In an expression replacement, `$x` is the translated MLX text of what
 * `$x` matched; in a statement or function replacement it is that text as written.
 */
import { createToken, EmbeddedActionsParser, Lexer, type IToken, type TokenType } from "chevrotain";
import { codeOf, compilePattern, CONDITION_TYPES, dedent, METAVAR_RE, RuleSyntaxError, type Condition, type ConditionType, type Literal, type Rule } from "./rule-patterns.js";

// the rule language's data types and pattern compiler live in rule-patterns.ts (no chevrotain: loading it
// costs a third of a second, so only user rule files pay for it)
export * from "./rule-patterns.js";

// ---------------------------------------------------------------- lexer

const WhiteSpace = createToken({ name: "WhiteSpace", pattern: /\s+/, group: Lexer.SKIPPED, line_breaks: true });
const Comment = createToken({ name: "Comment", pattern: /#[^\n]*/, group: Lexer.SKIPPED });
const Name = createToken({ name: "Name", pattern: /[A-Za-z_][A-Za-z0-9_.]*/, label: "a name" });
const kw = (name: string) => createToken({ name: name[0].toUpperCase() + name.slice(1), pattern: new RegExp(`${name}\\b`), longer_alt: Name, label: `'${name}'` });
const RuleKw = kw("rule");
const Match = kw("match");
const Where = kw("where");
const Replace = kw("replace");
const Helper = kw("helper");
const Import = kw("import");
const Example = kw("example");
const Expect = kw("expect");
const Is = kw("is");
const Not = kw("not");
const In = kw("in");
const And = kw("and");
const Code = createToken({ name: "Code", pattern: /`[^`]*`/, line_breaks: true, label: "code in `backticks`" });
const Str = createToken({ name: "Str", pattern: /"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'/, label: "a string" });
const MetaVar = createToken({ name: "MetaVar", pattern: /\$(?:\.\.\.)?[A-Za-z_][A-Za-z0-9_]*/, label: "a metavariable ($name)" });
const NumberLit = createToken({ name: "NumberLit", pattern: /-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?/, label: "a number" });
const CmpOp = createToken({ name: "CmpOp", pattern: /==|!=|<=|>=|<|>/, label: "a comparison (==, !=, <, <=, >, >=)" });
const LCurly = createToken({ name: "LCurly", pattern: /\{/, label: "'{'" });
const RCurly = createToken({ name: "RCurly", pattern: /\}/, label: "'}'" });
const LBracket = createToken({ name: "LBracket", pattern: /\[/, label: "'['" });
const RBracket = createToken({ name: "RBracket", pattern: /\]/, label: "']'" });
const Comma = createToken({ name: "Comma", pattern: /,/, label: "','" });
const Colon = createToken({ name: "Colon", pattern: /:/, label: "':'" });
/** Any other character: the parser, not the lexer, reports it, so the message says what was expected there. */
const Other = createToken({ name: "Other", pattern: /[^\s]/, label: "a character the rule language does not use" });

const ALL_TOKENS: TokenType[] = [
  WhiteSpace,
  Comment,
  Code,
  Str,
  MetaVar,
  NumberLit,
  CmpOp,
  RuleKw,
  Match,
  Where,
  Replace,
  Helper,
  Import,
  Example,
  Expect,
  Is,
  Not,
  In,
  And,
  Name,
  LCurly,
  RCurly,
  LBracket,
  RBracket,
  Comma,
  Colon,
  Other,
];
const RULE_LEXER = new Lexer(ALL_TOKENS, { positionTracking: "full", ensureOptimizations: false });

// ---------------------------------------------------------------- parser

interface RawRule {
  name: IToken;
  matches: IToken[];
  conditions: { cond: Condition; token: IToken; typeToken?: IToken }[];
  replace: IToken[];
  helpers: string[];
  imports: string[];
  examples: IToken[];
  expects: IToken[];
}

class RuleParser extends EmbeddedActionsParser {
  constructor() {
    super(ALL_TOKENS, { recoveryEnabled: false });
    this.performSelfAnalysis();
  }

  file = this.RULE("file", () => {
    const rules: RawRule[] = [];
    this.MANY(() => rules.push(this.SUBRULE(this.rule)));
    return rules;
  });

  private rule = this.RULE("rule", () => {
    this.CONSUME(RuleKw);
    const name = this.CONSUME(Name);
    const r: RawRule = { name, matches: [], conditions: [], replace: [], helpers: [], imports: [], examples: [], expects: [] };
    this.CONSUME(LCurly);
    this.MANY(() => this.SUBRULE(this.clause, { ARGS: [r] }));
    this.CONSUME(RCurly);
    return r;
  });

  private clause = this.RULE("clause", (r: RawRule) => {
    // during chevrotain's grammar recording `r` is a placeholder: collect into a scratch object then
    const into: RawRule =
      this.RECORDING_PHASE || !r ? { name: undefined as never, matches: [], conditions: [], replace: [], helpers: [], imports: [], examples: [], expects: [] } : r;
    this.OR([
      {
        ALT: () => {
          this.CONSUME(Match);
          this.OPTION(() => this.CONSUME(Colon));
          into.matches.push(this.CONSUME(Code));
        },
      },
      {
        ALT: () => {
          this.CONSUME(Where);
          this.OPTION2(() => this.CONSUME2(Colon));
          into.conditions.push(this.SUBRULE(this.condition));
          this.MANY(() => {
            this.OR2([{ ALT: () => this.CONSUME(Comma) }, { ALT: () => this.CONSUME(And) }]);
            into.conditions.push(this.SUBRULE2(this.condition));
          });
        },
      },
      {
        ALT: () => {
          this.CONSUME(Replace);
          this.OPTION3(() => this.CONSUME3(Colon));
          into.replace.push(this.CONSUME2(Code));
        },
      },
      {
        ALT: () => {
          this.CONSUME(Helper);
          this.OPTION4(() => this.CONSUME4(Colon));
          into.helpers.push(this.CONSUME(Name).image);
          this.MANY2(() => {
            this.CONSUME2(Comma);
            into.helpers.push(this.CONSUME2(Name).image);
          });
        },
      },
      {
        ALT: () => {
          this.CONSUME(Import);
          this.OPTION5(() => this.CONSUME5(Colon));
          into.imports.push(unquote(this.CONSUME(Str).image ?? ""));
        },
      },
      {
        ALT: () => {
          this.CONSUME(Example);
          this.OPTION6(() => this.CONSUME6(Colon));
          into.examples.push(this.CONSUME3(Code));
        },
      },
      {
        ALT: () => {
          this.CONSUME(Expect);
          this.OPTION7(() => this.CONSUME7(Colon));
          into.expects.push(this.CONSUME4(Code));
        },
      },
    ]);
  });

  private condition = this.RULE("condition", () => {
    const token = this.CONSUME(MetaVar);
    const metavar = (token.image ?? "").replace(/^\$(\.\.\.)?/, "");
    return this.OR<{ cond: Condition; token: IToken; typeToken?: IToken }>([
      {
        ALT: () => {
          this.CONSUME(Is);
          const negate = this.OPTION(() => this.CONSUME(Not)) !== undefined;
          const type = this.CONSUME(Name);
          return { cond: { kind: "is", metavar, negate, type: type.image as ConditionType }, token, typeToken: type };
        },
      },
      {
        ALT: () => {
          const op = this.CONSUME(CmpOp).image as "==";
          const value = this.SUBRULE(this.literal);
          return { cond: { kind: "compare", metavar, op, value }, token };
        },
      },
      {
        ALT: () => {
          const negate = this.OPTION2(() => this.CONSUME2(Not)) !== undefined;
          this.CONSUME(In);
          this.CONSUME(LBracket);
          const values = [this.SUBRULE2(this.literal)];
          this.MANY(() => {
            this.CONSUME(Comma);
            values.push(this.SUBRULE3(this.literal));
          });
          this.CONSUME(RBracket);
          return { cond: { kind: "in", metavar, negate, values }, token };
        },
      },
    ]);
  });

  private literal = this.RULE("literal", (): Literal => {
    return this.OR([
      { ALT: () => Number(this.CONSUME(NumberLit).image) },
      { ALT: () => unquote(this.CONSUME(Str).image ?? "") },
      {
        ALT: () => {
          const t = this.CONSUME(Name);
          if (this.RECORDING_PHASE) return null;
          return t.image === "True" ? true : t.image === "False" ? false : t.image === "None" ? null : t.image;
        },
      },
    ]);
  });
}

let parser: RuleParser | undefined;

function unquote(s: string): string {
  return s.slice(1, -1).replace(/\\(.)/g, "$1");
}

/** What the parser wanted, from chevrotain's message ("Expecting token of type --> Code <-- but found ..."). */
function expectedOf(err: { message: string; name: string }): string {
  const m = /Expecting: (?:one of these possible Token sequences:)?([\s\S]*?)\s*but found/.exec(err.message);
  if (m) {
    const alts = [...m[1].matchAll(/\[([^\]]+)\]/g)].map((a) => a[1].trim());
    if (alts.length) return [...new Set(alts)].join(" or ");
  }
  const t = /Expecting (?:token of type )?--> ([\s\S]+?) <--/.exec(err.message);
  // a clause that does not start with a keyword ends the rule's clause list, so chevrotain asks for '}'
  if (t) return t[1] === "'}'" ? "a clause (match, where, replace, helper, import, example, expect) or '}'" : labelOf(t[1]);
  if (err.name === "NotAllInputParsedException") return "'rule' or the end of the file";
  return "a clause";
}

function labelOf(name: string): string {
  const tok = ALL_TOKENS.find((t) => t.name === name);
  return tok?.LABEL ?? name;
}

/**
 * Parses a rule file. Throws RuleSyntaxError (with line, column and what was expected) on the first problem:
 * a character the language does not have, a token out of place, a pattern that is not Python, an unknown
 * type in `where`, a metavariable the replacement uses that no pattern binds.
 */
export function parseRules(text: string, file = "<rules>"): Rule[] {
  const lexed = RULE_LEXER.tokenize(text);
  if (lexed.errors.length) {
    const e = lexed.errors[0];
    const ch = text.slice(e.offset, e.offset + 1);
    const hint = ch === "`" ? "an unterminated code block (a ` with no closing `)" : `unexpected character '${ch}'`;
    throw new RuleSyntaxError(
      file,
      e.line ?? 1,
      e.column ?? 1,
      "a rule clause",
      `${hint}; expected 'rule', a clause keyword, code in \`backticks\`, a string, a number or a metavariable`,
    );
  }
  parser ??= new RuleParser();
  parser.input = lexed.tokens;
  const raw = parser.file();
  if (parser.errors.length) {
    const e = parser.errors[0];
    const tok = e.token;
    const expected = expectedOf(e);
    const found =
      tok.tokenType?.name === "EOF" || tok.image === ""
        ? "the end of the file"
        : tok.image === "`"
          ? "'`' that starts a code block with no closing '`'"
          : `'${tok.image.length > 30 ? `${tok.image.slice(0, 30)}…` : tok.image}'`;
    // at the end of the file chevrotain's token has no position: point just past the last token
    const last = lexed.tokens[lexed.tokens.length - 1];
    const line = Number.isFinite(tok.startLine) ? tok.startLine! : last ? last.endLine! : lastLine(text);
    const col = Number.isFinite(tok.startColumn) ? tok.startColumn! : last ? last.endColumn! + 1 : 1;
    throw new RuleSyntaxError(file, line, col, expected, `expected ${expected}, found ${found}`);
  }
  return raw.map((r) => checkRule(r, file));
}

function lastLine(text: string): number {
  return text.split("\n").length;
}

function checkRule(r: RawRule, file: string): Rule {
  const at = (tok: IToken, expected: string, detail: string) => new RuleSyntaxError(file, tok.startLine!, tok.startColumn!, expected, detail);
  const name = r.name.image;
  if (!r.matches.length) throw at(r.name, "a 'match' clause", `rule '${name}' has no 'match' clause`);
  if (r.replace.length !== 1) throw at(r.replace[1] ?? r.name, "one 'replace' clause", `rule '${name}' needs exactly one 'replace' clause, it has ${r.replace.length}`);
  const patterns = r.matches.map((m) => compilePattern(m, file));
  const kinds = new Set(patterns.map((p) => p.kind));
  if (kinds.size > 1) throw at(r.matches[1], "patterns of one kind", `rule '${name}' mixes ${[...kinds].join(" and ")} patterns`);
  const bound = new Set<string>();
  for (const p of patterns) for (const v of p.metavars) bound.add(v);
  for (const { cond, token, typeToken } of r.conditions) {
    if (!bound.has(cond.metavar)) throw at(token, "a metavariable of the pattern", `'$${cond.metavar}' is not in any pattern of rule '${name}'`);
    if (cond.kind === "is" && !CONDITION_TYPES.includes(cond.type))
      throw at(typeToken ?? token, `one of ${CONDITION_TYPES.join(", ")}`, `unknown type '${cond.type}'; expected one of ${CONDITION_TYPES.join(", ")}`);
  }
  const replace = codeOf(r.replace[0]);
  const lines = replace.text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    METAVAR_RE.lastIndex = 0;
    for (let m = METAVAR_RE.exec(lines[i]); m; m = METAVAR_RE.exec(lines[i])) {
      if (!patterns.every((p) => p.metavars.has(m![2]))) {
        const line = replace.line + i;
        const col = (i === 0 ? replace.col : 1) + m.index;
        throw new RuleSyntaxError(file, line, col, "a metavariable every pattern binds", `'${m[0]}' in the replacement of rule '${name}' is not bound by every pattern`);
      }
    }
  }
  if (r.expects.length && !r.examples.length) throw at(r.expects[0], "an 'example' clause", `rule '${name}' has 'expect' but no 'example'`);
  return {
    name,
    patterns,
    conditions: r.conditions.map((c) => c.cond),
    replace: dedent(replace.text),
    helpers: r.helpers,
    imports: r.imports,
    examples: r.examples.map((e, i) => ({ code: dedent(codeOf(e).text) + "\n", expect: i === r.examples.length - 1 ? r.expects.map((x) => dedent(codeOf(x).text)) : [] })),
    file,
    line: r.name.startLine!,
  };
}
