// A small real SMTP server for the end-to-end test (RFC 5321: EHLO/HELO,
// MAIL, RCPT, DATA with dot-unstuffing, RSET, NOOP, QUIT), so that the
// receipt e-mail the booth asks for is actually delivered over TCP.
import { createServer } from 'node:net';

export function startSmtpSink() {
  const mails = [];
  const server = createServer((socket) => {
    let buffer = '';
    let envelope = { from: null, to: [] };
    let data = null; // lines of the message while in DATA
    const reply = (line) => socket.write(`${line}\r\n`);
    reply('220 psephos-test-sink ESMTP');
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => {
      buffer += chunk;
      let end;
      while ((end = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (data !== null) {
          if (line === '.') {
            mails.push({ from: envelope.from, to: envelope.to, data: data.join('\r\n') });
            envelope = { from: null, to: [] };
            data = null;
            reply('250 accepted');
          } else {
            data.push(line.startsWith('..') ? line.slice(1) : line);
          }
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO') {
          reply('250-psephos-test-sink');
          reply('250 8BITMIME');
        } else if (verb === 'HELO' || verb === 'NOOP') reply('250 ok');
        else if (verb === 'RSET') {
          envelope = { from: null, to: [] };
          reply('250 ok');
        } else if (verb === 'MAIL') {
          envelope.from = (line.match(/<([^>]*)>/) || [])[1] ?? null;
          reply('250 ok');
        } else if (verb === 'RCPT') {
          envelope.to.push((line.match(/<([^>]*)>/) || [])[1]);
          reply('250 ok');
        } else if (verb === 'DATA') {
          data = [];
          reply('354 end with <CRLF>.<CRLF>');
        } else if (verb === 'QUIT') {
          reply('221 bye');
          socket.end();
        } else reply('502 not implemented');
      }
    });
    socket.on('error', () => {});
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({ port: server.address().port, mails, close: () => server.close() }));
  });
}
