declare module '*.woff' {
  const data: ArrayBuffer
  export default data
}
