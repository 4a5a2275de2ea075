// The editor's highlighter keeps its own copy of the language's keywords and built-ins: the
// renderer may import only shared/, and the language engine imports nothing above it. This
// holds the copy to the language, so a new keyword or built-in cannot go unhighlighted.
import { expect, it } from 'vitest';
import { BUILTIN_NAMES } from '../../src/main/lang/names';
import { KEYWORDS as LANGUAGE_KEYWORDS } from '../../src/main/lang/scanner';
import { BUILTINS, KEYWORDS } from '../../src/renderer/scripts/loupe-language';

it("the editor's keywords and built-ins are exactly the language's", () => {
  expect([...KEYWORDS].sort()).toEqual([...LANGUAGE_KEYWORDS].sort());
  expect([...BUILTINS].sort()).toEqual([...BUILTIN_NAMES].sort());
});
