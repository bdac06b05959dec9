/**
 * A self-signed certificate for 127.0.0.1 and localhost, made once per process. The Graph
 * client only sends its bearer token to https hosts, so the simulated tenant must speak TLS;
 * clients trust this certificate explicitly (never by turning verification off).
 */

let cached: Promise<{ key: string; cert: string }> | undefined;

export function simulatedTenantCertificate(): Promise<{ key: string; cert: string }> {
  cached ??= (async () => {
    // Loaded only here: the simulated tenant is local tooling, never part of a Lambda bundle.
    const { generate } = await import('selfsigned');
    const now = Date.now();
    const pems = await generate([{ name: 'commonName', value: 'simulated-entra-tenant' }], {
      keySize: 2048,
      algorithm: 'sha256',
      notBeforeDate: new Date(now - 60_000),
      notAfterDate: new Date(now + 30 * 24 * 3600 * 1000),
      extensions: [
        { name: 'basicConstraints', cA: true },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true },
        { name: 'extKeyUsage', serverAuth: true },
        {
          name: 'subjectAltName',
          altNames: [
            { type: 7, ip: '127.0.0.1' },
            { type: 2, value: 'localhost' },
          ],
        },
      ],
    });
    return { key: pems.private, cert: pems.cert };
  })();
  return cached;
}
