// `npm run host:dev`: the test host on 127.0.0.1 for trying publishing by hand.
//   npm run host:dev -- [--port 8765] [--name "My Wallet"] [--refuse-loopback] [--grant-readonly-only]
import { parseArgs } from 'node:util';
import { startTestHost } from './server.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8765' },
    name: { type: 'string', default: 'Laurel Dev Wallet' },
    'refuse-loopback': { type: 'boolean', default: false },
    'grant-readonly-only': { type: 'boolean', default: false },
  },
});

const host = await startTestHost({
  port: Number(values.port),
  name: values.name!,
  behaviour: {
    externalImages: true,
    refuseLoopback: values['refuse-loopback']!,
    withholdScopes: values['grant-readonly-only']!
      ? ['https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.upsert', 'https://purl.imsglobal.org/spec/clr/v2p0/scope/credential.upsert']
      : [],
  },
});
process.stdout.write(`${host.name} is listening on ${host.url} (Open Badges 3.0 and CLR 2.0)
  discovery: ${host.url}/ims/ob/v3p0/discovery
  try:       npx laurel host add ${host.url}
             npx laurel host connect <name>      (approve in the browser)
             npx laurel publish --host <name> <credential id>
  held:      ${host.url}/
Ctrl-C stops it; it keeps nothing.
`);
const stop = () => void host.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
