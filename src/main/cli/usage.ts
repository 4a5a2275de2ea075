// The top-level help, shared by the full dispatcher (cli.ts) and the quick one (fast-entry.ts).
import { version } from '../../../package.json';

export { version };

export const USAGE = `Loupe ${version}: a local workbench for image classification.

Usage:
  loupe import DIR --dataset NAME [--labels folders|none]   import a folder of pictures
  loupe train --dataset NAME [--wait]                        train a model on a dataset
  loupe predict --model ID|--dataset NAME FILES|DIRS... [--csv OUT] [--top K]
                                                             classify pictures
  loupe export --model ID --out FILE.onnx                    write a model as one ONNX file
  loupe datasets                                             list datasets
  loupe models [--dataset NAME]                              list models
  loupe tasks [--state STATE]                                list tasks
  loupe serve [--host H] [--port P] [--data DIR] [--token T] serve the app and its local API
  loupe worker --broker redis://... --server URL --token T   compute for a server, through Redis
  loupe run FILE                                             run a Loupe script
  loupe check FILE                                           a script's diagnostics as JSON (exit 65 when any)
  loupe fmt FILE [--write]                                   format a script
  loupe repl                                                 interactive scripting
  loupe --help | --version

Every command takes --help. The data commands take --data DIR and --json; when a
\`loupe serve\` or the desktop app holds the data folder they go through its local API.
Exit codes: 0 ok, 1 failed, 2 bad usage, 3 not found, 4 partly done, 5 cannot write the
output, 6 data folder held by an unreachable Loupe; run/check: 65 compile error, 66 cannot
read the file, 70 runtime error or limit. See docs/cli.md.
`;
