/**
 * The frame every page shares: header with the search box, the results area search fills, the one
 * stylesheet and script of the site (both local: no page asks any other host for anything).
 */
import { html, type SafeHtml } from "./html.js";

export interface PageFrame {
  /** The site's title (site.title). */
  siteTitle: string;
  /** This page's own title; the site's title alone on the home page. */
  title?: string;
  /** The way from this page back to the site's root: "" or "../". */
  root: string;
  /** An origin the media come from besides the site's own (site.mediaBaseUrl), for the CSP. */
  mediaOrigin?: string;
  body: SafeHtml;
}

export function page(frame: PageFrame): string {
  const { root, siteTitle } = frame;
  const media = frame.mediaOrigin ? ` ${frame.mediaOrigin}` : "";
  // The policy repeats the promise "no request to any other host" where a browser enforces it.
  const csp = `default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self'${media}; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'`;
  const fullTitle = frame.title ? `${frame.title} · ${siteTitle}` : siteTitle;
  return `<!doctype html>\n${html`<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>${fullTitle}</title>
<link rel="stylesheet" href="${root}assets/site.css">
<script src="${root}assets/site.js" defer></script>
</head>
<body data-root="${root}">
<a class="skip" href="#main">Skip to content</a>
<header class="site">
<a class="home" href="${root}index.html">${siteTitle}</a>
<form role="search" action="${root}search.html" method="get">
<label for="q">Search recordings</label>
<input type="search" id="q" name="q" autocomplete="off" placeholder="Words said, or a topic">
<button type="submit">Search</button>
</form>
</header>
<section id="search-results" aria-live="polite" hidden></section>
<main id="main">
${frame.body}
</main>
</body>
</html>
`}`;
}
