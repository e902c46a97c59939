// src/app.d.ts
import type { SessionManager } from "sealed-session";

declare global {
  namespace App {
    interface SessionData {
      user?: string;
      visits?: number;
    }
    interface Locals {
      session: SessionManager<SessionData>;
    }
  }
}
