import { createContext, useContext } from "react";

/** Shows `text` on the page at `path` and goes there: for messages that outlive a page. */
export type Notify = (text: string, path: string) => void;

export const FlashContext = createContext<Notify>(() => {});

export const useNotify = () => useContext(FlashContext);
