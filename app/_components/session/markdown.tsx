"use client";

import type { ComponentProps } from "react";
import ReactMarkdown, { type ExtraProps } from "react-markdown";
import rehypeHighlight from "rehype-highlight";
import rehypeSanitize from "rehype-sanitize";
import remarkGfm from "remark-gfm";

/**
 * An image in a reply becomes a link to it: loading it would tell its host who reads this session
 * and when, and its URL can carry anything the model was made to put there. (The CSP's img-src
 * blocks other hosts as well; this keeps the reply readable instead of showing broken images.)
 */
function ImageAsLink({ src, alt }: ComponentProps<"img"> & ExtraProps) {
  const label = alt ? `Image: ${alt}` : "Image";
  if (typeof src !== "string" || src === "") return <span>{label}</span>;
  return (
    <a href={src} title={src} target="_blank" rel="noopener noreferrer">
      {label}
    </a>
  );
}

/**
 * A GFM task list's box (`- [x] done`) is a read-only checkbox with no label of its own: it says
 * whether the item is done, to screen readers as well.
 */
function TaskBox({ type, checked, node: _node, ...rest }: ComponentProps<"input"> & ExtraProps) {
  if (type !== "checkbox") return <input type={type} {...rest} />;
  return <input type="checkbox" checked={checked} disabled readOnly aria-label={checked ? "Done" : "To do"} />;
}

/** A code block wider than the reply scrolls; keyboard users reach it to scroll it too. */
function ScrollableCode({ node: _node, ...rest }: ComponentProps<"pre"> & ExtraProps) {
  return <pre tabIndex={0} role="group" aria-label="Code" {...rest} />;
}

const components = { img: ImageAsLink, input: TaskBox, pre: ScrollableCode };

/**
 * Assistant text as Markdown. Raw HTML in it is never rendered, and the tree is sanitized before
 * highlighting adds its own classes: a model can be made to print anything.
 */
export function Markdown({ text }: { text: string }) {
  return (
    <div className="prose-chat min-w-0 space-y-3 text-[0.95rem] leading-relaxed break-words [&_a]:text-accent [&_a]:underline [&_code]:rounded [&_code]:bg-raised [&_code]:px-1 [&_code]:font-mono [&_code]:text-[0.85em] [&_h1]:text-lg [&_h1]:font-semibold [&_h2]:font-semibold [&_h3]:font-semibold [&_li]:ml-5 [&_ol]:list-decimal [&_pre]:overflow-x-auto [&_pre]:rounded-lg [&_pre]:border [&_pre]:border-line [&_pre]:bg-canvas [&_pre]:p-3 [&_pre_code]:bg-transparent [&_pre_code]:p-0 [&_table]:text-sm [&_td]:border [&_td]:border-line [&_td]:px-2 [&_th]:border [&_th]:border-line [&_th]:px-2 [&_ul]:list-disc">
      <ReactMarkdown
        remarkPlugins={[remarkGfm]}
        components={components}
        rehypePlugins={[rehypeSanitize, [rehypeHighlight, { detect: false, ignoreMissing: true }]]}
      >
        {text}
      </ReactMarkdown>
    </div>
  );
}
