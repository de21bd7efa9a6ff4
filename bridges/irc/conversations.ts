/**
 * The IRC bridge's conversation keys in the core's archive (`ctx.archive`, `ResolvedAddress.archive`):
 * one per (network, channel) and per (network, nick), whatever spelling of the address the user
 * wrote (`#Chan%Net`, a fixed network without `%net`). '@' can start neither a nick nor a channel.
 */
export function channelConversation(network: string, channel: string): string {
  return `${network}\n${channel.toLowerCase()}`;
}

export function privateConversation(network: string, nick: string): string {
  return `${network}\n@${nick.toLowerCase()}`;
}

/**
 * A private conversation's key in the network's shared message map (message-refs.ts): per user,
 * since each user has their own conversation with a nick (a channel's key is the channel's).
 */
export function privateRefs(user: string, network: string, nick: string): string {
  return `${user}\n${privateConversation(network, nick)}`;
}
