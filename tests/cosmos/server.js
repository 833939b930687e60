// The Cosmos DB wire-protocol server the storage tests run against (@vercel/cosmosdb-server), with what
// the tests need that it lacks, patched here and nowhere else:
//  - a point read of a missing document answers 404 (the package answers 500: it reads a field of undefined);
//  - requests are signed with the account key, as Azure checks them, so a wrong key is refused with 401;
//  - POST /__throttle {"count": N, "retryAfterMs": M} makes the next N document requests answer 429.
// Usage: node server.js PORT KEY   (HTTPS with the package's self-signed certificate; prints "listening PORT" once ready)
'use strict';
const crypto = require('crypto');
const readDocument = require('@vercel/cosmosdb-server/lib/handler/read-document');
const { default: partitionFromHeader, parsePartitionKey } = require('@vercel/cosmosdb-server/lib/utils/get-partition-from-header');

const originalRead = readDocument.default;
readDocument.default = (account, req, res, params) => {
  const collection = account.database(params.dbId).collection(params.collId);
  if (collection.read() && !collection.document(params.docId, parsePartitionKey(partitionFromHeader(req), params.docId)).read()) {
    res.statusCode = 404;
    return { code: 'NotFound', message: 'Entity with the specified id does not exist in the system.' };
  }
  return originalRead(account, req, res, params);
};

const { createHttpsServer } = require('@vercel/cosmosdb-server');
const port = parseInt(process.argv[2] || '0', 10);
const key = Buffer.from(process.argv[3] || '', 'base64');
const throttle = { count: 0, retryAfterMs: 10 };

// Azure's master-key signature: HMAC-SHA256 over verb, resource type, resource link and date. A request
// addressed by resource ids (the SDK reads partition key ranges that way) is signed over the id of the
// resource it addresses, lowercased; one addressed by names over the names' path.
function signed(req) {
  const path = decodeURIComponent(req.url.split('?')[0]).replace(/^\/+|\/+$/g, '');
  const segments = path.length ? path.split('/') : [];
  const odd = segments.length % 2 === 1;
  const type = odd ? segments[segments.length - 1] : (segments[segments.length - 2] || '');
  const link = odd ? segments.slice(0, -1).join('/') : segments.join('/');
  const last = link.split('/').pop() || '';
  const date = (req.headers['x-ms-date'] || '').toLowerCase();
  const header = decodeURIComponent(req.headers.authorization || '');
  return [link, last.toLowerCase()].some(resource => {
    const payload = `${req.method.toLowerCase()}\n${type.toLowerCase()}\n${resource}\n${date}\n\n`;
    return header.includes(`sig=${crypto.createHmac('sha256', key).update(payload, 'utf8').digest('base64')}`);
  });
}

const server = createHttpsServer(); // the SDKs speak TLS only; its certificate is self-signed
const handle = server.listeners('request')[0];
server.removeAllListeners('request');
server.on('request', (req, res) => {
  if (req.method === 'POST' && req.url === '/__throttle') {
    let body = '';
    req.on('data', chunk => { body += chunk; });
    req.on('end', () => {
      Object.assign(throttle, JSON.parse(body));
      res.statusCode = 204;
      res.end();
    });
    return;
  }
  if (!signed(req)) {
    res.statusCode = 401;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ code: 'Unauthorized', message: 'The input authorization token can\'t serve the request.' }));
    return;
  }
  if (throttle.count > 0 && req.url.includes('/docs')) {
    throttle.count--;
    res.statusCode = 429;
    res.setHeader('x-ms-retry-after-ms', String(throttle.retryAfterMs));
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ code: 'TooManyRequests', message: 'Request rate is large' }));
    return;
  }
  handle(req, res);
});
server.listen(port, '127.0.0.1', () => console.log(`listening ${server.address().port}`));
