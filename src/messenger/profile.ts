// The page's Messenger profile (Get Started button, greeting, persistent menu, ice breakers) and the postback
// payloads its buttons send. The webhook answers these payloads; `visage messenger setup` installs the profile.
// Both import from here, so a button and its answer can never drift apart.

/** Postback payloads sent by the profile's buttons. */
export const POSTBACKS = {
  getStarted: 'GET_STARTED',
  howTo: 'HOW_TO',
  practice: 'PRACTICE',
  cues: 'ALL_CUES',
} as const;

export type PostbackPayload = (typeof POSTBACKS)[keyof typeof POSTBACKS];

/** Facebook's documented limits for the profile fields Visage sets. */
export const PROFILE_LIMITS = { greeting: 160, menuTitle: 30, iceBreakers: 4, question: 80, payload: 1000 } as const;

export interface MessengerProfile {
  get_started: { payload: string };
  greeting: Array<{ locale: string; text: string }>;
  persistent_menu: Array<{
    locale: string;
    composer_input_disabled: boolean;
    call_to_actions: Array<{ type: 'postback'; title: string; payload: string }>;
  }>;
  ice_breakers: Array<{ locale: string; call_to_actions: Array<{ question: string; payload: string }> }>;
}

export const PROFILE_FIELDS = ['get_started', 'greeting', 'persistent_menu', 'ice_breakers'] as const;

/** Plain, literal words: each button says what it does. */
export function messengerProfile(): MessengerProfile {
  return {
    get_started: { payload: POSTBACKS.getStarted },
    greeting: [
      {
        locale: 'default',
        text: 'Visage reads faces in photos. Send a photo and it tells you what each person seems to feel.',
      },
    ],
    persistent_menu: [
      {
        locale: 'default',
        composer_input_disabled: false,
        call_to_actions: [
          { type: 'postback', title: 'How to check a photo', payload: POSTBACKS.howTo },
          { type: 'postback', title: 'Practise reading faces', payload: POSTBACKS.practice },
          { type: 'postback', title: 'What to look for', payload: POSTBACKS.cues },
        ],
      },
    ],
    ice_breakers: [
      {
        locale: 'default',
        call_to_actions: [
          { question: 'How do I check a photo?', payload: POSTBACKS.howTo },
          { question: 'Can I practise reading faces?', payload: POSTBACKS.practice },
          { question: 'What should I look for in a face?', payload: POSTBACKS.cues },
        ],
      },
    ],
  };
}
