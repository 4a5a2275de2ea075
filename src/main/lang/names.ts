// Names of the built-in scope (§11), for tools that resolve without running.
export const BUILTIN_NAMES: readonly string[] = [
  'print', 'str', 'repr', 'type', 'num', 'len', 'clock', 'sqrt', 'abs', 'floor', 'ceil', 'round',
  'min', 'max', 'range', 'push', 'pop', 'insert', 'remove', 'keys', 'values', 'has', 'get', 'copy',
  'slice', 'join', 'sort', 'reverse', 'ord', 'chr', 'assert', 'Error', 'pi', 'inf', 'nan',
];
