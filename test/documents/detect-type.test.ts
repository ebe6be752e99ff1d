// detect-type's text check reads 64 KiB at a time as bytes: a UTF-8 sequence
// cut by a chunk's end, a control character or a broken sequence anywhere,
// and markup in the head — each judged as a decoded check would.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { detectType, hasControlByte, TextCheck } from '../../app/documents/detect-type.ts';

const dir = mkdtempSync(join(tmpdir(), 'kastell-detect-'));
let n = 0;
const judge = async (bytes: Buffer) => {
  const path = join(dir, `f${n++}`);
  writeFileSync(path, bytes);
  const detected = await detectType(path);
  const verdict = detected.ok ? detected.type : 'refused';
  // the one pass feeds the same check as the upload arrives, in chunks of any size: the same verdict
  for (const size of [1, 3, 7, 4099, 65_537]) {
    const check = new TextCheck();
    for (let at = 0; at < bytes.length; at += size) check.push(bytes.subarray(at, at + size));
    const streamed = await detectType(path, check.finish());
    assert.equal(streamed.ok ? streamed.type : 'refused', verdict, `fed in chunks of ${size}`);
  }
  return verdict;
};
const chunk = 64 * 1024;
const filler = (length: number) => Buffer.alloc(length, 'a');

test('text with multi-byte characters cut by every chunk boundary is text', async () => {
  for (const char of ['ü', '€', '𝄞']) {
    const bytes = Buffer.from(char);
    for (let cut = 1; cut < bytes.length; cut++) {
      // the sequence straddles the first and the second (and a later) chunk boundary
      const body = Buffer.concat([filler(chunk - cut), bytes, filler(chunk - bytes.length), bytes, Buffer.from(' Ende\n')]);
      assert.equal(await judge(body), 'text/plain', `${char} cut after ${cut} byte(s)`);
    }
  }
  assert.equal(await judge(Buffer.from('\uFEFFGrüße aus Zürich, ½ € pro Stück\r\n\tok\f')), 'text/plain');
});

test('a control character or a broken sequence past the first chunks refuses the file', async () => {
  assert.equal(await judge(Buffer.concat([filler(3 * chunk + 17), Buffer.from([0x00]), filler(10)])), 'refused', 'NUL deep in the file');
  assert.equal(await judge(Buffer.concat([filler(2 * chunk), Buffer.from([0x1b]), filler(10)])), 'refused', 'ESC');
  assert.equal(await judge(Buffer.concat([filler(chunk + 5), Buffer.from([0x7f])])), 'refused', 'DEL at the end');
  assert.equal(await judge(Buffer.concat([filler(2 * chunk - 1), Buffer.from([0xc3, 0x28]), filler(10)])), 'refused', 'a lead byte with no continuation across the boundary');
  assert.equal(await judge(Buffer.concat([filler(chunk + 100), Buffer.from([0xe2, 0x82])])), 'refused', 'the file ends inside a sequence');
  assert.equal(await judge(Buffer.concat([filler(chunk - 1), Buffer.from([0xff]), filler(10)])), 'refused', 'a byte that is never UTF-8');
  assert.equal(await judge(Buffer.concat([filler(100), Buffer.from([0xed, 0xa0, 0x80]), filler(10)])), 'refused', 'a UTF-16 surrogate encoded');
  assert.equal(await judge(Buffer.concat([filler(100), Buffer.from([0xc0, 0xaf])])), 'refused', 'an overlong sequence');
});

test('markup in the first 64 KiB is refused; an empty file is refused', async () => {
  assert.equal(await judge(Buffer.from('<!doctype html><p>hi')), 'refused');
  assert.equal(await judge(Buffer.concat([filler(1000), Buffer.from(' <script>alert(1)</script>')])), 'refused');
  assert.equal(await judge(Buffer.from('#!/bin/sh\necho hi\n')), 'refused');
  assert.equal(await judge(Buffer.alloc(0)), 'refused');
});

test('the control-byte check four bytes at a time finds every refused byte at every offset and alignment', () => {
  const refused = (b: number) => (b < 0x20 && ![0x09, 0x0a, 0x0c, 0x0d].includes(b)) || b === 0x7f;
  const base = Buffer.alloc(40, 'a');
  for (let b = 0; b < 256; b++) {
    for (let start = 0; start < 4; start++) {
      for (let at = 0; at < 12; at++) {
        const bytes = Buffer.from(base).subarray(start, start + 17);
        bytes[at] = b;
        assert.equal(hasControlByte(bytes), refused(b), `byte ${b} at ${at}, view offset ${start}`);
      }
    }
  }
  // allowed bytes around a refused one, and high bytes (UTF-8 sequences) next to it
  assert.equal(hasControlByte(Buffer.from([0x0a, 0x0d, 0x09, 0x0c, 0xc3, 0xbc, 0xff, 0x80])), false);
  assert.equal(hasControlByte(Buffer.from([0xc3, 0xbc, 0x80, 0x1f])), true);
});
