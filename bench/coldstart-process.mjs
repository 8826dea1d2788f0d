// One fresh process of `coldstart.bench.ts`: what a CLI call, a serverless function or a short job
// does once. Plain JavaScript on the built package, so no TypeScript loader is timed.
//
//   node bench/coldstart-process.mjs <tokenward|openid-client> <origin>
//
// Imports the library (by its package name, as a user would), builds a client, gets a token from the
// loopback server at <origin> and makes one authenticated call; prints the phases' end times (ms since
// the process started) as a JSON line, and at exit the process's CPU time (user + system, ms) as
// another. The process ends by itself: a kept-alive socket that held it open would show in the
// parent's wall-clock time.
const [which, origin] = process.argv.slice(2);
const clientId = 'coldstart';
const clientSecret = 'coldstart-secret';
const api = `${origin}/api`;
const phases = {};
process.on('exit', () => {
  const { user, system } = process.cpuUsage();
  process.stdout.write(`${JSON.stringify({ cpu: (user + system) / 1000 })}\n`);
});
const mark = (name) => {
  phases[name] = Math.round(performance.now() * 10) / 10;
  const { user, system } = process.cpuUsage();
  phases[`${name}Cpu`] = Math.round((user + system) / 100) / 10;
};
mark('start');

let response;
if (which === 'tokenward') {
  const { TokenManager } = await import('tokenward');
  mark('imported');
  const tm = new TokenManager({ tokenUrl: `${origin}/token`, clientId, clientSecret, baseUrl: origin });
  await tm.getToken();
  mark('token');
  response = await tm.fetch(api);
} else if (which === 'openid-client') {
  // openid-client 6 as its README shows it, with a configuration given (no discovery request) and
  // Node's global fetch for the API call.
  const client = await import('openid-client');
  mark('imported');
  const config = new client.Configuration({ issuer: origin, token_endpoint: `${origin}/token` }, clientId, clientSecret);
  client.allowInsecureRequests(config); // the loopback server speaks plain HTTP
  const token = await client.clientCredentialsGrant(config);
  mark('token');
  response = await fetch(api, { headers: { authorization: `Bearer ${token.access_token}` } });
} else {
  throw new Error(`unknown client ${JSON.stringify(which)}`);
}
const body = await response.text();
if (response.status !== 200) throw new Error(`the API answered ${response.status}: ${body}`);
mark('called');
process.stdout.write(`${JSON.stringify(phases)}\n`);
