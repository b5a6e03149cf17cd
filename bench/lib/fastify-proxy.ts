// The peer: fastify with @fastify/reply-from forwarding everything to one upstream (run as its own process).
import fastify from 'fastify';
import replyFrom from '@fastify/reply-from';

const [port, upstream] = [Number(process.argv[2]), process.argv[3]!];
const app = fastify({ logger: false });
await app.register(replyFrom, { base: upstream, undici: { connections: 128, pipelining: 1 } });
app.all('/*', (request, reply) => { void reply.from(request.url); });
await app.listen({ port, host: '127.0.0.1' });
process.send?.('ready');
process.on('SIGTERM', () => { void app.close().then(() => process.exit(0)); });
