// detect-type's text check reads 64 KiB at a time as bytes: a UTF-8 sequence
// cut by a chunk's end, a control character or a broken sequence anywhere,
// and markup in the head — each judged as a decoded check would.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { detectType } from '../../app/documents/detect-type.ts';

const dir = mkdtempSync(join(tmpdir(), 'kastell-detect-'));
let n = 0;
const judge = async (bytes: Buffer) => {
  const path = join(dir, `f${n++}`);
  writeFileSync(path, bytes);
  const detected = await detectType(path);
  return detected.ok ? detected.type : 'refused';
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
