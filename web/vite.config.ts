// Vite: the React plugin, a dev-server proxy to a running `recoup serve`, and two named chunks
// (React with the router, ECharts) that change rarely and cache well. Ant Design is left to
// Rollup's splitting, so each route's chunk pulls only the components it uses: the sign-in page
// loads neither ECharts nor the dashboard's tables and date picker.
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

const server = process.env.RECOUP_SERVER ?? "http://127.0.0.1:8080";

export default defineConfig({
  plugins: [react()],
  server: {
    port: 5173,
    proxy: {
      "/api": { target: server, changeOrigin: false },
      "/healthz": { target: server },
    },
  },
  build: {
    target: "es2020",
    chunkSizeWarningLimit: 1200,
    rollupOptions: {
      output: {
        manualChunks(id: string) {
          if (id.includes("node_modules/echarts") || id.includes("node_modules/zrender")) {
            return "echarts";
          }
          if (
            id.includes("node_modules/react/") ||
            id.includes("node_modules/react-dom/") ||
            id.includes("node_modules/scheduler/") ||
            id.includes("node_modules/react-router") ||
            id.includes("node_modules/@remix-run/")
          ) {
            return "react";
          }
          return undefined;
        },
      },
    },
  },
});
