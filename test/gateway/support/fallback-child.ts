// Child process for fallback.int: starts a gateway (engine chosen automatically) in front of argv[2], sends one GET
// through it and prints {engine, problem, status, body} as one JSON line.
import { createGateway } from '../../../src/gateway/server.js';
import { llhttpProblem } from '../../../src/gateway/http1/llhttp.js';

const gw = createGateway({ legacy: process.argv[2]!, next: process.argv[2]! });
const { port } = await gw.listen(0);
const res = await fetch(`http://127.0.0.1:${port}/through`);
const body = await res.text();
console.log(JSON.stringify({ engine: gw.engine, problem: llhttpProblem, status: res.status, body }));
await gw.close();
