// The files that are not TypeScript but that the code reads beside itself at run time (the demo
// page, the shipped trusted documents, the operation names that may become metric labels…): copied
// next to the JavaScript by `npm run build` (dist/) and by `npm start` (.cache/start/).
export const RUNTIME_FILES = [
  { dir: 'src', keep: (path) => !/\.(ts|md)$/.test(path) },
  { dir: 'examples/operations', keep: (path) => path.endsWith('.graphql') },
];
