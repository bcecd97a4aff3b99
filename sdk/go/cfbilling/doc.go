// See and guard Cloudflare AI Gateway credits (Unified Billing): the balance, usage and a deploy guard.
package cfbilling
