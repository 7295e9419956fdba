// markdown-it-footnote ships no types; @types/markdown-it-footnote is written for markdown-it 14.
declare module 'markdown-it-footnote' {
  import type { MarkdownIt } from 'markdown-it';
  const footnote: (md: MarkdownIt) => void;
  export default footnote;
}
