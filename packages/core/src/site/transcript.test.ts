import { describe, expect, it } from "vitest";
import { siteScriptFunction } from "./site-script.test-support.js";
import { shardOf, terms } from "./text.js";
import { formatSeconds, parseChat, parseSeconds, parseTranscript } from "./transcript.js";

describe("parseTranscript", () => {
  it("reads Zoom's WebVTT: numbered cues, speaker before the colon, CRLF, cue markup dropped", () => {
    const vtt =
      "WEBVTT\r\n\r\n1\r\n00:00:01.500 --> 00:00:03.000\r\nAda Lovelace: Hello <b>all</b>\r\n\r\n" +
      "2\r\n01:02:03.000 --> 01:02:04.000\r\nno speaker here\r\n\r\nNOTE junk without timing\r\n\r\n" +
      "3\r\nnot a time --> 00:00:01.000\r\nlost\r\n";
    expect(parseTranscript(vtt)).toEqual([
      { start: 1.5, speaker: "Ada Lovelace", text: "Hello all" },
      { start: 3723, text: "no speaker here" },
    ]);
  });

  it("decodes WebVTT's escapes and drops only real tags", () => {
    const vtt =
      "WEBVTT\n\n00:00.000 --> 00:01.000\n<v Ada>Ada: Q&amp;A, if x &lt; 5 and y > 3, &#x1F600; &#0; &bogus;</v>\n\n" +
      "00:02.000 --> 00:03.000\nGrace: <00:02.500>then <c.loud>if a < b</c>\n";
    expect(parseTranscript(vtt)).toEqual([
      { start: 0, speaker: "Ada", text: "Q&A, if x < 5 and y > 3, \u{1F600} &#0; &bogus;" },
      { start: 2, speaker: "Grace", text: "then if a < b" },
    ]);
    expect(terms("Q&A")).toEqual([]);
  });

  it("survives junk: empty, binary, a huge cue", () => {
    expect(parseTranscript("")).toEqual([]);
    expect(parseTranscript("\u0000\u0001\u0002")).toEqual([]);
    const [cue] = parseTranscript(`WEBVTT\n\n00:00.000 --> 00:01.000\n${"x".repeat(10_000)}`);
    expect(cue?.text.length).toBe(2000);
  });
});

describe("parseChat", () => {
  it("reads the old one-line and the new two-line formats, keeping other lines as text", () => {
    const chat =
      "00:01:02\t From  Ada Lovelace : hello there\n" +
      "00:02:03 From Grace to Everyone:\n\tsee the runbook\n\tpage 2\n" +
      "a stray line\n";
    expect(parseChat(chat)).toEqual([
      { at: 62, sender: "Ada Lovelace", text: "hello there" },
      { at: 123, sender: "Grace to Everyone", text: "see the runbook page 2" },
      { text: "a stray line" },
    ]);
  });
});

describe("times", () => {
  it("parses and formats", () => {
    expect(parseSeconds("01:02:03.5")).toBe(3723.5);
    expect(parseSeconds("02:03")).toBe(123);
    expect(parseSeconds("soon")).toBeUndefined();
    expect(formatSeconds(3723.9)).toBe("1:02:03");
    expect(formatSeconds(62)).toBe("01:02");
  });
});

describe("terms", () => {
  it("keep a word whole across its marks, and İ as i", () => {
    expect(terms("İSTANBUL and istanbul")).toEqual(["istanbul", "and", "istanbul"]);
    expect(terms("हिन्दी बजट")).toEqual(["हिन्दी", "बजट"]);
  });
});

describe("the browser's search rules", () => {
  it("are the same as the builder's: terms and shards", () => {
    // The site's script, run in this process with a stand-in page, exposes nothing; its rules are
    // lifted out by name and evaluated.
    const grab = siteScriptFunction;
    const browserTerms = new Function(`${grab("terms")}; return terms;`)() as (t: string) => string[];
    const browserShard = new Function(`${grab("termHash")}; ${grab("shardOf")}; return shardOf;`)() as (
      t: string,
      n: number,
    ) => number;
    const samples = [
      "Café Über-Straße 42!",
      "ZANZIBAR cluster",
      "a I x",
      "日本語のテキスト",
      "e\u0301cole",
      "İstanbul",
      "हिन्दी बजट",
    ];
    for (const sample of samples) {
      expect(browserTerms(sample)).toEqual(terms(sample));
      for (const term of terms(sample)) {
        // Segments have from one shard to tens of thousands, always a power of two.
        for (const count of [1, 2, 64, 512, 32768])
          expect(browserShard(term, count)).toBe(shardOf(term, count));
      }
    }
  });
});
