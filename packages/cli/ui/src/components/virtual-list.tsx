import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";

interface Props<T> {
  /** Every item; only the visible ones are drawn. */
  items: readonly T[];
  /** Height of each row in pixels (rows are fixed-height). */
  rowHeight: number;
  /** Draws one item. */
  row: (item: T, index: number) => ComponentChildren;
  /** Rows drawn beyond the visible ones on each side, so fast scrolling shows no gaps. */
  overscan?: number;
  /** Index to bring into view (the selected row). */
  scrollTo?: number;
  /** Accessible name of the list. */
  label: string;
}

/**
 * A list that draws only the rows in view: an execution of 10,000 checkpoints costs the page as much as one of
 * thirty. The scroll box keeps the full height, so the scroll bar tells where one is.
 */
export function VirtualList<T>({ items, rowHeight, row, overscan = 10, scrollTo, label }: Props<T>) {
  const box = useRef<HTMLDivElement>(null);
  const [top, setTop] = useState(0);
  const [height, setHeight] = useState(600);

  useEffect(() => {
    const element = box.current;
    if (element === null) return;
    const observer = new ResizeObserver(() => setHeight(element.clientHeight));
    observer.observe(element);
    setHeight(element.clientHeight);
    return () => observer.disconnect();
  }, []);

  useEffect(() => {
    const element = box.current;
    if (element === null || scrollTo === undefined || scrollTo < 0) return;
    const y = scrollTo * rowHeight;
    if (y < element.scrollTop || y + rowHeight > element.scrollTop + element.clientHeight) {
      element.scrollTop = Math.max(0, y - element.clientHeight / 2);
    }
  }, [scrollTo, rowHeight]);

  const first = Math.max(0, Math.floor(top / rowHeight) - overscan);
  const last = Math.min(items.length, Math.ceil((top + height) / rowHeight) + overscan);
  const drawn = [];
  for (let i = first; i < last; i++) {
    drawn.push(
      <div class="vrow" role="listitem" key={i} style={{ top: `${i * rowHeight}px`, height: `${rowHeight}px` }}>
        {row(items[i] as T, i)}
      </div>,
    );
  }
  return (
    <div
      class="vlist"
      ref={box}
      role="list"
      aria-label={label}
      data-count={items.length}
      onScroll={(event) => setTop((event.currentTarget as HTMLDivElement).scrollTop)}
    >
      <div class="vlist-space" style={{ height: `${items.length * rowHeight}px` }}>
        {drawn}
      </div>
    </div>
  );
}
