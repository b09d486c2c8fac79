/// <reference types="vite/client" />
declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent<object, object, any>;
  export default component;
}
interface ImportMetaEnv {
  /** The API's base URL, fixed at build time; empty: the stack's URL worked out at run time. */
  readonly VITE_API_BASE?: string;
}
