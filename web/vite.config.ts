import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// The node to proxy to during `npm run dev`; override with BOOCODE_NODE_URL.
const nodeUrl = process.env.BOOCODE_NODE_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
  },
  server: {
    proxy: {
      '/api': { target: nodeUrl, changeOrigin: true },
      '/ws': { target: nodeUrl, ws: true, changeOrigin: true },
    },
  },
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts'],
  },
});
