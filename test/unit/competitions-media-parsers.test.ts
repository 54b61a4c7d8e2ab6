/**
 * The readers behind the media competitions, on small inputs made here: e-mail (MIME, encodings,
 * list footers), HTML, IDX images, PNG writing, the births CSV.
 */
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { grayscalePng } from '../../core/competitions/steps/media/fashionMnist';
import { decodeEntities, htmlToText } from '../../core/competitions/steps/media/html';
import { idxImages, parseIdx } from '../../core/competitions/steps/media/idx';
import { decodeEncodedWords, parseMail } from '../../core/competitions/steps/media/mail';
import {
  cleanMailText,
  stripEmbeddedHeaders,
  stripListFooters,
  stripListTags,
  truncate,
} from '../../core/competitions/steps/media/mailText';
import { dropDuplicateMails, split, type MailRow } from '../../core/competitions/steps/media/spamAssassin';
import { parseBirths } from '../../core/competitions/steps/media/usBirths';

const lines = (...l: string[]) => l.join('\n');

describe('parseMail', () => {
  it('keeps the subject and the body, never the transport headers', () => {
    const mail = parseMail(
      lines(
        'Return-Path: <trap@spam.example>',
        'Received: from mx.example (mx.example [10.0.0.1])',
        '\tby spamtrap.example; Tue, 23 Jul 2002 16:55:55 -0500',
        'X-Spam-Status: Yes, hits=12.3',
        'Subject: Cheap',
        '  watches',
        '',
        'Buy now.',
        'Received: this line is body text',
      ),
    );
    expect(mail).toEqual({
      subject: 'Cheap watches',
      contentType: 'text/plain',
      text: 'Buy now.\nReceived: this line is body text',
      html: false,
      attachments: 0,
    });
  });

  it('walks multipart messages: decodes quoted-printable and base64 parts, HTML to text, counts attachments', () => {
    const html = Buffer.from('<html><head><title>t</title></head><body><p>Caf&eacute; &amp; <b>more</b></p></body></html>').toString(
      'base64',
    );
    const mail = parseMail(
      lines(
        'Subject: =?iso-8859-1?Q?Caf=E9_offer?=',
        'Content-Type: multipart/mixed; boundary="outer"',
        '',
        'This is a multi-part message in MIME format.',
        '--outer',
        'Content-Type: multipart/alternative; boundary=inner',
        '',
        '--inner',
        'Content-Type: text/plain; charset=iso-8859-1',
        'Content-Transfer-Encoding: quoted-printable',
        '',
        'Caf=E9 for every=',
        'one',
        '--inner',
        'Content-Type: text/html',
        'Content-Transfer-Encoding: base64',
        '',
        html,
        '--inner--',
        '--outer',
        'Content-Type: image/gif; name="x.gif"',
        'Content-Transfer-Encoding: base64',
        '',
        'R0lGODlhAQABAAAAACw=',
        '--outer--',
        'epilogue',
      ),
    );
    expect(mail.subject).toBe('Café offer');
    expect(mail.contentType).toBe('multipart/mixed');
    expect(mail.text).toBe('Café for everyone\n\nCaf&eacute; & more');
    expect(mail.html).toBe(true);
    expect(mail.attachments).toBe(1);
  });

  it('reads a forwarded message/rfc822 part by its body, and a multipart whose boundary never occurs as text', () => {
    const forwarded = parseMail(
      lines('Content-Type: message/rfc822', '', 'Received: from elsewhere', 'Subject: inner', '', 'the inner body'),
    );
    expect(forwarded.text).toBe('the inner body');
    const broken = parseMail(lines('Content-Type: multipart/mixed; boundary="nope"', '', 'just text'));
    expect(broken.text).toBe('just text');
  });

  it('decodes RFC 2047 words (B and Q, adjacent words joined) and survives bad charsets', () => {
    expect(decodeEncodedWords('=?utf-8?B?SGVsbG8=?= =?utf-8?Q?_w=C3=B6rld?=')).toBe('Hello wörld');
    expect(decodeEncodedWords('=?x-unknown?Q?caf=E9?=')).toBe('caf\u00e9');
  });
});

describe('cleaning mail text', () => {
  it('strips mailing-list footers, repeatedly, but keeps a signature', () => {
    const text = lines(
      'Real content here.',
      '-- ',
      'Jane',
      '',
      '-------------------------------------------------------',
      'This sf.net email is sponsored by: ThinkGeek',
      'http://thinkgeek.com/sf',
      '_______________________________________________',
      'Spamassassin-talk mailing list',
      'Spamassassin-talk@lists.sourceforge.net',
      'https://lists.sourceforge.net/lists/listinfo/spamassassin-talk',
      '',
    );
    expect(stripListFooters(text)).toBe(lines('Real content here.', '-- ', 'Jane'));
    expect(stripListFooters(lines('Hello', 'http://xent.com/mailman/listinfo/fork'))).toBe('Hello');
    // Also when quoted in a reply.
    const quoted = lines(
      'Agreed.',
      '',
      '> Question?',
      '> _______________________________________________',
      '> Razor-users mailing list',
      '> https://lists.sourceforge.net/lists/listinfo/razor-users',
      '>',
    );
    expect(stripListFooters(quoted)).toBe(lines('Agreed.', '', '> Question?'));
    // A rule followed by the sender's own words stays.
    expect(stripListFooters(lines('Offer', '----------', 'Call now, unsubscribe anytime'))).toBe(
      lines('Offer', '----------', 'Call now, unsubscribe anytime'),
    );
  });

  it('drops leftover MIME boundaries, control characters and extra blank lines, and truncates', () => {
    expect(cleanMailText(lines('Hi\u0001 there', '', '', '', '--DeathToSpamDeathToSpamDeathToSpam--', 'bye'), 100)).toBe('Hi there\n\nbye');
    expect(cleanMailText('a'.repeat(50), 10)).toBe('a'.repeat(10));
    expect(truncate('ab\u{1F600}', 3)).toBe('ab'); // never half a surrogate pair
  });

  it('removes transport headers pasted into a body, keeps a quoted reply header', () => {
    const forwarded = lines(
      'Look at this:',
      'Return-Path: <a@spam.example>',
      'Received: from mx.example',
      '  by trap.example; Fri, 26 Apr 2002',
      'Subject: Hello',
      '',
      'Make money fast.',
    );
    expect(stripEmbeddedHeaders(forwarded)).toBe(lines('Look at this:', '', 'Make money fast.'));
    const reply = lines('-----Original Message-----', 'From: Bob', 'Sent: Monday', 'To: Alice', 'Subject: lunch', '', 'Noon?');
    expect(stripEmbeddedHeaders(reply)).toBe(reply);
    expect(stripEmbeddedHeaders('X-Files: a single header-like line stays')).toBe('X-Files: a single header-like line stays');
  });

  it('removes list tags from subjects, after reply prefixes', () => {
    expect(stripListTags('Re: [ILUG] [SAtalk] Hello')).toBe('Re: Hello');
    expect(stripListTags('[zzzzteana] News')).toBe('News');
    expect(stripListTags('[ILUG] Re: Re: [ILUG] Out of office')).toBe('Re: Re: Out of office');
    expect(stripListTags('Price [50% off]')).toBe('Price [50% off]');
  });

  it('keeps one copy of a repeated mail, none when the copies disagree', () => {
    const row = (text: string, spam: 0 | 1): MailRow => ({
      group: 'g',
      subject: 's',
      text,
      contentType: 'text/plain',
      attachments: 0,
      spam,
    });
    expect(dropDuplicateMails([row('a', 1), row('a', 1), row('b', 0), row('b', 1), row('c', 0)])).toEqual([row('a', 1), row('c', 0)]);
  });

  it('splits by collection with test_groups, else the last test_fraction, then keeps the first train_fraction of train', () => {
    const rows = ['old', 'new', 'old', 'old', 'new', 'old'].map((group, i): MailRow => ({
      group,
      subject: `s${i}`,
      text: 't',
      contentType: 'text/plain',
      attachments: 0,
      spam: (i % 2) as 0 | 1,
    }));
    const subjects = (r: MailRow[]) => r.map((m) => m.subject);
    const byTime = split(rows, { test_fraction: 0.25, test_groups: ['new'], train_fraction: 0.5 });
    expect([subjects(byTime.trainRows), subjects(byTime.testRows)]).toEqual([
      ['s0', 's2'],
      ['s1', 's4'],
    ]);
    const atRandom = split(rows, { test_fraction: 0.5, train_fraction: 1 });
    expect([subjects(atRandom.trainRows), subjects(atRandom.testRows)]).toEqual([
      ['s0', 's1', 's2'],
      ['s3', 's4', 's5'],
    ]);
  });
});

describe('htmlToText', () => {
  it('drops scripts, styles and comments, breaks blocks into lines, decodes entities', () => {
    const html = '<style>p{}</style><script>x()</script><!-- hidden --><div>One&nbsp;two</div><p>A &lt;b&gt; &#65;&#x42;</p>';
    expect(htmlToText(html)).toBe('One two\n\nA <b> AB');
    expect(decodeEntities('&unknown; &#0; &copy;')).toBe('&unknown;   \u00a9');
  });
});

describe('IDX and PNG', () => {
  function idx(type: number, dims: number[], values: number[]): Buffer {
    const head = Buffer.alloc(4 + 4 * dims.length);
    head[2] = type;
    head[3] = dims.length;
    dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
    return Buffer.concat([head, Buffer.from(values)]);
  }

  it('reads images and labels, and rejects malformed files naming them', () => {
    const images = parseIdx(idx(8, [2, 2, 3], [0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15]), 'images');
    const set = idxImages(images, parseIdx(idx(8, [2], [6, 0]), 'labels'), 'set');
    expect(set).toMatchObject({ count: 2, rows: 2, cols: 3 });
    expect([...set.labels]).toEqual([6, 0]);
    expect([...set.image(1)]).toEqual([10, 11, 12, 13, 14, 15]);
    expect(() => parseIdx(Buffer.from([1, 2, 8, 1]), 'f.gz')).toThrow(/f\.gz: not an IDX file/);
    expect(() => parseIdx(idx(0x0d, [1], [0, 0, 0, 0]), 'f.gz')).toThrow(/value type 0xd/);
    expect(() => parseIdx(idx(8, [2, 2], [1, 2, 3]), 'f.gz')).toThrow(/f\.gz: IDX dimensions 2x2 need 16 bytes, the file has 15/);
    expect(() => idxImages(images, parseIdx(idx(8, [3], [0, 0, 0]), 'l'), 'set')).toThrow(/set: 2 images but 3 labels/);
  });

  it('writes grayscale PNGs that decode to the same pixels, with bytes that do not depend on zlib', () => {
    const pixels = Uint8Array.from({ length: 28 * 28 }, (_, i) => (i * 7) % 256);
    const file = grayscalePng(pixels, 28, 28);
    const decoded = PNG.sync.read(file);
    expect([decoded.width, decoded.height, decoded.colorType, decoded.depth]).toEqual([28, 28, 0, 8]);
    // pngjs decodes to RGBA: every pixel's red channel is the gray value.
    expect(Array.from({ length: 28 * 28 }, (_, i) => decoded.data[4 * i])).toEqual([...pixels]);
    // Stored deflate: the raw scanlines (a filter byte, then the row) appear verbatim.
    expect(file.includes(Buffer.concat([Buffer.from([0]), Buffer.from(pixels.subarray(0, 28))]))).toBe(true);
    expect(grayscalePng(pixels, 28, 28)).toEqual(file);
  });
});

describe('parseBirths', () => {
  const header = 'year,month,date_of_month,day_of_week,births';

  it('reads days with their ISO date and weekday', () => {
    expect(parseBirths(lines(header, '1969,1,1,3,8486', '1969,1,2,4,9002'), 'data.csv')).toEqual([
      { date: '1969-01-01', year: 1969, month: 1, day: 1, dayOfWeek: 3, births: 8486 },
      { date: '1969-01-02', year: 1969, month: 1, day: 2, dayOfWeek: 4, births: 9002 },
    ]);
  });

  it('rejects bad rows with the file and line', () => {
    expect(() => parseBirths(lines('year,month,day', '1969,1,1'), 'data.csv')).toThrow(/data\.csv: expected columns/);
    expect(() => parseBirths(lines(header, '1969,1,1,5,8486'), 'data.csv')).toThrow(/data\.csv:2: day_of_week 5 but 1969-01-01 is day 3/);
    expect(() => parseBirths(lines(header, '1969,2,30,1,8486'), 'data.csv')).toThrow(/data\.csv:2: 1969-2-30 is not a date/);
    expect(() => parseBirths(lines(header, '1969,1,1,3,x'), 'data.csv')).toThrow(/data\.csv:2: "x" is not a non-negative integer/);
    expect(() => parseBirths(lines(header, '1969,1,2,4,1', '1969,1,1,3,1'), 'data.csv')).toThrow(/data\.csv:3: 1969-01-01 is not after/);
  });
});
