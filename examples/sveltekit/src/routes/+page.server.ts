// src/routes/+page.server.ts
import { fail } from "@sveltejs/kit";
import type { Actions, PageServerLoad } from "./$types";

export const load: PageServerLoad = ({ locals }) => ({
  user: locals.session.data.user,
  visits: locals.session.data.visits ?? 0,
});

export const actions: Actions = {
  signIn: async ({ request, locals }) => {
    const user = String((await request.formData()).get("user") ?? "").trim();
    if (!user) return fail(400, { missing: true });
    await locals.session.regenerate(); // a new id on sign-in
    await locals.session.update({ user, visits: 0 });
  },
  visit: async ({ locals }) => {
    await locals.session.update((data) => ({ visits: (data.visits ?? 0) + 1 }));
  },
  signOut: async ({ locals }) => {
    await locals.session.clear();
  },
};
