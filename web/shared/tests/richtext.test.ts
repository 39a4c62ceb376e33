import { describe, expect, it } from 'vitest';
import { htmlToText } from '../src/richtext';

describe('a description shown as text', () => {
  it('keeps the lines and loses the tags', () => {
    expect(htmlToText('<p>内外<b>双面</b>擦洗</p><ul><li>玻璃</li><li>窗框</li></ul><p>A &amp; B &lt;3&gt; &#20320;</p>')).toBe(
      '内外双面擦洗\n• 玻璃\n• 窗框\nA & B <3> 你',
    );
  });

  it('leaves plain text as it is', () => {
    expect(htmlToText('客厅、卧室、厨房的日常清洁')).toBe('客厅、卧室、厨房的日常清洁');
    expect(htmlToText('a<br>b')).toBe('a\nb');
  });
});
