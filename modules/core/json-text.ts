/**
 * JSON documents that hold references (ARNs and names of resources in the same stack), as the
 * string a Terraform argument takes: policies, state machine definitions, dashboard bodies.
 *
 * Why not `JSON.stringify(document)` as it is: cdktf resolves a string that holds references
 * by walking it for Terraform escapes, and every `}` of the JSON is one. It searches the rest
 * of the string again after each, so the time grows with the square of the document's size: a
 * state machine definition cost milliseconds, a twentieth of a small organisation's synth went
 * there. Here the document's references are resolved one by one, each on its own (what cdktf
 * does to each reference it meets in the string), and the text between them is kept as it is.
 * The synthesized JSON is byte for byte the same (test/modules/core/json-text.test.ts), where
 * the text is a resource's or an output's argument. Inside a Terraform function (`Fn.*`) it
 * is not: give a function `JSON.stringify`'s text, which cdktf checks for quotes.
 *
 * Only public cdktf APIs: `Lazy`, `Token`, `Tokenization.reverseString` and the fragments it
 * returns.
 */
import { Lazy, StringConcat, Token, Tokenization, type IResolveContext } from 'cdktf';

/**
 * `text` with each reference it holds resolved on its own, in `context` (a `Lazy`'s at synth).
 * A text with a Terraform expression of its own (`${…}` written in it, an IAM policy variable
 * such as `${aws:username}`) is returned as it is, for cdktf to resolve as it always does: a
 * reference inside such an expression is written without its own `${}`.
 */
export function resolveReferences(text: string, context: IResolveContext): string {
  const fragments = Tokenization.reverseString(text);
  if (fragments.literals.some((literal) => String(literal).includes('${'))) return text;
  return fragments.mapTokens(context).join(new StringConcat()) as string;
}

/** `text`, with each reference it holds resolved on its own at synth. A text with none is returned as it is. */
export function withReferences(text: string): string {
  if (!Token.isUnresolved(text)) return text;
  return Lazy.stringValue({ produce: (context) => resolveReferences(text, context) });
}

/** `JSON.stringify(value)`, its references resolved one by one at synth (see above). */
export function jsonText(value: unknown): string {
  return withReferences(JSON.stringify(value));
}
