// The one function of `fs-ext` Skein uses (the package ships no types).
declare module "fs-ext" {
  /** flock(2) on an open fd: "sh" | "ex" | "shnb" | "exnb" | "un". Throws EAGAIN/EWOULDBLOCK when held (nb). */
  export function flockSync(fd: number, flags: "sh" | "ex" | "shnb" | "exnb" | "un"): void;
  const fsExt: { flockSync: typeof flockSync };
  export default fsExt;
}
