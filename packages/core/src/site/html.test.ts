import { describe, expect, it } from "vitest";
import { escapeHtml, html, urlSegment } from "./html.js";

describe("html", () => {
  it("escapes every interpolated value, in content and attributes, and drops control characters", () => {
    const evil = `"><script>alert('x')</script>\u0000\u001b[31m\``;
    const out = html`<a title="${evil}">${evil}</a>`.toString();
    expect(out).not.toContain("<script");
    expect([...out].some((c) => c.charCodeAt(0) < 0x20)).toBe(false);
    expect(out).toBe(
      `<a title="&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;[31m&#96;">&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;[31m&#96;</a>`,
    );
    expect(escapeHtml("tab\tand\nnewline")).toBe("tab\tand\nnewline");
  });

  it("nests safe markup without escaping it twice, and escapes arrays of text", () => {
    const inner = html`<b>${"<i>"}</b>`;
    expect(html`<p>${inner}${["<", ">"]}</p>`.toString()).toBe("<p><b>&lt;i&gt;</b>&lt;&gt;</p>");
  });

  it("makes path segments that cannot climb or add a scheme", () => {
    expect(urlSegment("..")).toBe("%2E%2E");
    expect(urlSegment("a/b?c#d")).toBe("a%2Fb%3Fc%23d");
    expect(urlSegment("javascript:x")).toBe("javascript%3Ax");
  });
});
