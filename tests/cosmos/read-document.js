// An independent reader of what the silo wrote: fetches one document with Microsoft's own Node SDK and
// decodes its MessagePack state with another implementation than the silo's. Prints the decoded JSON.
// Usage: node read-document.js ENDPOINT KEY DATABASE CONTAINER ID PARTITION_KEY
'use strict';
process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0'; // the test server's certificate is self-signed
const { CosmosClient } = require('@azure/cosmos');
const { decode } = require('@msgpack/msgpack');

(async () => {
  const [endpoint, key, database, container, id, pk] = process.argv.slice(2);
  const client = new CosmosClient({ endpoint, key, connectionPolicy: { enableEndpointDiscovery: false } });
  const { resource } = await client.database(database).container(container).item(id, pk).read();
  if (!resource) {
    console.error(`no document ${id}`);
    process.exit(1);
  }
  const bytes = Buffer.from(resource.data, 'base64');
  const state = decode(bytes.subarray(1), { useBigInt64: false });
  console.log(JSON.stringify({ id: resource.id, pk: resource.pk, stateName: resource.stateName, grainId: resource.grainId, format: resource.format, version: bytes[0], state }));
})().catch(error => { console.error(error.message); process.exit(1); });
