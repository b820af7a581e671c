// Svelte 5 understands TypeScript in <script lang="ts"> itself; no preprocessing needed.
export default {
  compilerOptions: { runes: true },
};
