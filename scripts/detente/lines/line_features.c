/* A line's own feature vector (detente.lines.features._line_row) in C.

   features.py stays the definition: this file computes the same doubles, in the same column order, and the same
   content words, for a stripped line whose characters it knows, and refuses anything else (status 1), which
   Python then computes. The line comes as code points (UTF-32). The word lists and character sets come from
   features.py at start-up (detente_line_features_init), so that they cannot drift apart; what Python's str
   methods say of each character below TABLE_SIZE comes from a table that `detente compile-line-model` writes
   from the running Python's Unicode database (native.py, character_table) and appends to this file. It
   installs the library only after its rows equal Python's bit for bit on probe lines, and the library names
   the sources it was built from (compiled.py checks).

   The table marks a character known (KNOWN) unless Python treats it in a way this file does not copy: a digit
   other than 0-9 (re's \d and str.isdigit), a lower case of more than one character or one that depends on
   its neighbours (the Greek final sigma), or an upper, lower or case-folded form in ASCII (re.IGNORECASE would
   match it to an ASCII letter). For known characters: str.split() and strip() split on SPACE characters;
   isalpha is ALPHA, isupper UPPER, lower() the table's lower; re's \d is [0-9] and \s a SPACE character;
   sorted() on str orders by code point. */

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LIST 256
#define MAX_SET 64
#define MAX_LINE 1000000
#define TABLE_SIZE 0x3000
#define KNOWN 1
#define ALPHA 2
#define UPPER 4
#define SPACE 8

/* Written by native.py after this file: flags and lower case of every code point below TABLE_SIZE. */
extern const unsigned char detente_character_flags[TABLE_SIZE];
extern const uint16_t detente_character_lower[TABLE_SIZE];

/* The line columns this file writes before the rule and marker columns, in order (compiled.py compares them with
   features.py's names before using the library). */
const char detente_line_feature_columns[] =
  "log_chars\nlog_words\nletter_share\ndigit_share\nupper_share_of_letters\npunct_share\nstop_word_share\n"
  "capitalised_word_share\nmean_word_length\nends_sentence\nends_colon\nstarts_bullet\nseparators\ncommas_per_word\n"
  "inner_sentence_ends\nhas_year\nhas_url_or_at\nstarts_upper\nall_upper\nstarts_quote\nheadline_like\ntitle_shaped\n"
  "prose_like\nhas_clock_time\nauthor_says\nrule_content\nrule_metadata\nrule_boilerplate";
const char *detente_line_feature_columns_text = detente_line_feature_columns;

typedef struct { uint32_t *text; long length; } Word;
typedef struct { uint32_t members[MAX_SET]; long size; } CharacterSet;

static Word stop_words[MAX_LIST], markers[MAX_LIST];
static long n_stop_words, n_markers;
static long markers_from[130], markers_by_first[MAX_LIST];  /* marker numbers by first character (128: not ASCII) */
static CharacterSet punctuation, closers, terminals, bullets, separators, quotes;
static int ready;

static unsigned flags_of(uint32_t c) { return c < TABLE_SIZE ? detente_character_flags[c] : 0; }
static int is_space(uint32_t c) { return (flags_of(c) & SPACE) != 0; }
static int is_digit(uint32_t c) { return c >= '0' && c <= '9'; }
static uint32_t lower_of(uint32_t c) { return detente_character_lower[c]; }  /* c known, so below TABLE_SIZE */
static int in_set(const CharacterSet *set, uint32_t c) {
  for (long k = 0; k < set->size; k++) if (set->members[k] == c) return 1;
  return 0;
}

static int compare_words(const uint32_t *a, long a_len, const uint32_t *b, long b_len) {
  long shorter = a_len < b_len ? a_len : b_len;
  for (long i = 0; i < shorter; i++)
    if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
  return (a_len > b_len) - (a_len < b_len);
}
/* Stop words in order of length, then code points: a binary search compares lengths first. */
static int compare_by_length(const Word *a, const Word *b) {
  if (a->length != b->length) return a->length < b->length ? -1 : 1;
  return compare_words(a->text, a->length, b->text, b->length);
}
static int compare_stop_words(const void *a, const void *b) { return compare_by_length(a, b); }

/* Split code points `text` (n) at '\n' into `out` (copies); the number of entries, or -1. */
static long split_list(const uint32_t *text, long n, Word *out) {
  long count = 0, start = 0;
  for (long i = 0; i <= n; i++) {
    if (i < n && text[i] != '\n') continue;
    if (i > start) {
      if (count == MAX_LIST) return -1;
      out[count].length = i - start;
      out[count].text = malloc(sizeof(uint32_t) * (size_t)(i - start));
      if (out[count].text == NULL) return -1;
      memcpy(out[count].text, text + start, sizeof(uint32_t) * (size_t)(i - start));
      count++;
    }
    start = i + 1;
  }
  return count;
}

static int set_of(const uint32_t *text, long n, CharacterSet *set) {
  if (n > MAX_SET) return -1;
  memcpy(set->members, text, sizeof(uint32_t) * (size_t)n);
  set->size = n;
  return 0;
}

/* The lists and character sets of features.py, as code points with their lengths: the stop words and the markers
   '\n'-separated, then the punctuation, closers, terminals, bullets, separators and quotes. Once per process. */
int detente_line_features_init(const uint32_t *stop_list, long stop_n, const uint32_t *marker_list, long marker_n,
                               const uint32_t *punctuation_set, long punctuation_n, const uint32_t *closer_set, long closer_n,
                               const uint32_t *terminal_set, long terminal_n, const uint32_t *bullet_set, long bullet_n,
                               const uint32_t *separator_set, long separator_n, const uint32_t *quote_set, long quote_n) {
  if (ready) return 0;
  n_stop_words = split_list(stop_list, stop_n, stop_words);
  n_markers = split_list(marker_list, marker_n, markers);
  if (n_stop_words < 0 || n_markers < 0) return 2;
  if (set_of(punctuation_set, punctuation_n, &punctuation) || set_of(closer_set, closer_n, &closers) ||
      set_of(terminal_set, terminal_n, &terminals) || set_of(bullet_set, bullet_n, &bullets) ||
      set_of(separator_set, separator_n, &separators) || set_of(quote_set, quote_n, &quotes)) return 2;
  qsort(stop_words, (size_t)n_stop_words, sizeof(Word), compare_stop_words);
  long filled = 0;
  for (int c = 0; c <= 128; c++) {
    markers_from[c] = filled;
    for (long k = 0; k < n_markers; k++)
      if (c < 128 ? markers[k].text[0] == (uint32_t)c : markers[k].text[0] >= 128) markers_by_first[filled++] = k;
  }
  markers_from[129] = filled;
  ready = 1;
  return 0;
}

int detente_line_features_markers(void) { return (int)n_markers; }

static int is_stop_word(const uint32_t *word, long len) {
  Word key = {(uint32_t *)word, len};
  long low = 0, high = n_stop_words - 1;
  while (low <= high) {
    long mid = (low + high) / 2;
    int order = compare_by_length(&stop_words[mid], &key);
    if (order == 0) return 1;
    if (order < 0) low = mid + 1; else high = mid - 1;
  }
  return 0;
}

static int contains(const uint32_t *text, long n, const char *part) {
  long len = (long)strlen(part);
  for (long i = 0; i + len <= n; i++) {
    long m = 0;
    while (m < len && text[i + m] == (uint32_t)(unsigned char)part[m]) m++;
    if (m == len) return 1;
  }
  return 0;
}

/* found[k] = marker k occurs in the lower-cased text: one pass, trying at each position only the markers that
   start with its character. */
static void find_markers(const uint32_t *text, long n, char *found) {
  memset(found, 0, (size_t)n_markers);
  for (long i = 0; i < n; i++) {
    uint32_t c = text[i];
    long bucket = c < 128 ? (long)c : 128;
    for (long j = markers_from[bucket]; j < markers_from[bucket + 1]; j++) {
      long k = markers_by_first[j], len = markers[k].length, m = 0;
      if (found[k] || i + len > n) continue;
      while (m < len && text[i + m] == markers[k].text[m]) m++;
      if (m == len) found[k] = 1;
    }
  }
}

/* (?:19|20)(?<!\d19)(?<!\d20)\d\d(?!\d) */
static int has_year(const uint32_t *s, long n) {
  for (long i = 0; i + 4 <= n; i++) {
    if (!((s[i] == '1' && s[i + 1] == '9') || (s[i] == '2' && s[i + 1] == '0'))) continue;
    if (i > 0 && is_digit(s[i - 1])) continue;
    if (is_digit(s[i + 2]) && is_digit(s[i + 3]) && (i + 4 == n || !is_digit(s[i + 4]))) return 1;
  }
  return 0;
}

/* (?<!\d)\d{1,2}:\d\d(?!\d): a run of one or two digits (not more), a colon, exactly two digits */
static int has_clock_time(const uint32_t *s, long n) {
  for (long j = 1; j + 2 < n; j++) {
    if (s[j] != ':' || !is_digit(s[j + 1]) || !is_digit(s[j + 2]) || (j + 3 < n && is_digit(s[j + 3]))) continue;
    long run = 0;
    while (j - run - 1 >= 0 && is_digit(s[j - run - 1])) run++;
    if (run == 1 || run == 2) return 1;
  }
  return 0;
}

/* (?:says|said|wrote|writes|replied)\s*:?$ , ignoring case, on a stripped line */
static int ends_in_speech_verb(const uint32_t *s, long n) {
  static const char *verbs[] = {"says", "said", "wrote", "writes", "replied"};
  long end = n;
  if (end > 0 && s[end - 1] == ':') end--;
  while (end > 0 && is_space(s[end - 1])) end--;
  for (int k = 0; k < 5; k++) {
    long len = (long)strlen(verbs[k]), i = 0;
    if (end < len) continue;
    while (i < len && lower_of(s[end - len + i]) == (uint32_t)verbs[k][i]) i++;
    if (i == len) return 1;
  }
  return 0;
}

typedef struct { long start, length; } Span;
static _Thread_local const uint32_t *span_text;  /* the comparator's text: ctypes lets threads call at once */
static int compare_span(const void *a, const void *b) {
  const Span *x = a, *y = b;
  return compare_words(span_text + x->start, x->length, span_text + y->start, y->length);
}

/* Row (width doubles: the line columns, the rule class columns from rule_class: 0 none, 1 content, 2 metadata,
   3 boilerplate, the markers) of the line `s` (n code points) and its content words (distinct, sorted,
   lower-cased), written to `words` separated by '\n', *words_length code points (room: n is always enough).
   Status 0; 1 for a line this code does not handle (Python computes it); 2 out of memory; 3 not initialised;
   4 too little room. */
int detente_line_row(const uint32_t *s, long n, int rule_class, long width, double *row, uint32_t *words, long room, long *words_length) {
  if (!ready) return 3;
  if (n <= 0 || n > MAX_LINE || width != 28 + n_markers) return 1;
  for (long i = 0; i < n; i++) if (!(flags_of(s[i]) & KNOWN)) return 1;
  if (is_space(s[0]) || is_space(s[n - 1])) return 1;  /* not stripped */
  uint32_t *lower = malloc(sizeof(uint32_t) * (size_t)n);
  Span *spans = malloc(sizeof(Span) * (size_t)(n / 2 + 1));
  if (lower == NULL || spans == NULL) { free(lower); free(spans); return 2; }
  long letters = 0, upper = 0, digits = 0, spaces = 0, n_words = 0, word_chars = 0, capitalised = 0, stop = 0;
  long n_spans = 0, separator_count = 0, commas = 0, inner_ends = 0;
  for (long i = 0; i < n; i++) {
    uint32_t c = s[i];
    unsigned flags = flags_of(c);
    lower[i] = lower_of(c);
    letters += (flags & ALPHA) != 0;
    upper += (flags & UPPER) != 0;
    digits += is_digit(c);
    spaces += c == ' ';
    separator_count += in_set(&separators, c);
    commas += c == ',';
    if (i + 1 < n && s[i + 1] == ' ' && (c == '.' || c == '?' || c == '!')) inner_ends++;
  }
  for (long i = 0; i < n;) {
    while (i < n && is_space(s[i])) i++;
    if (i >= n) break;
    long a = i;
    while (i < n && !is_space(s[i])) i++;
    long b = i;
    n_words++;
    while (a < b && in_set(&punctuation, s[a])) a++;  /* str.strip(_PUNCTUATION) */
    while (b > a && in_set(&punctuation, s[b - 1])) b--;
    long len = b - a;
    word_chars += len;
    capitalised += len > 0 && (flags_of(s[a]) & UPPER);
    int is_stop = is_stop_word(lower + a, len);
    stop += is_stop;
    if (len > 3 && !is_stop) { spans[n_spans].start = a; spans[n_spans].length = len; n_spans++; }
  }
  if (n_words == 0) { free(lower); free(spans); return 1; }
  long end = n;
  while (end > 0 && in_set(&closers, s[end - 1])) end--;  /* rstrip(_CLOSERS) */
  int ends_sentence = end > 0 && in_set(&terminals, s[end - 1]);
  int ends_colon = s[n - 1] == ':';
  int starts_upper = (flags_of(s[0]) & UPPER) != 0;
  double capitalised_share = (double)capitalised / (double)n_words;
  double *r = row;
  *r++ = log1p((double)n);
  *r++ = log1p((double)n_words);
  *r++ = (double)letters / (double)n;
  *r++ = (double)digits / (double)n;
  *r++ = letters ? (double)upper / (double)letters : 0.0;
  *r++ = (double)(n - letters - digits - spaces) / (double)n;
  *r++ = (double)stop / (double)n_words;
  *r++ = capitalised_share;
  *r++ = (double)word_chars / (double)n_words;
  *r++ = ends_sentence;
  *r++ = ends_colon;
  *r++ = in_set(&bullets, s[0]);
  *r++ = (double)separator_count;
  *r++ = (double)commas / (double)n_words;
  *r++ = (double)inner_ends;
  *r++ = digits >= 4 && has_year(s, n);
  *r++ = contains(s, n, "@") || contains(lower, n, "http") || contains(lower, n, "www.");
  *r++ = starts_upper;
  *r++ = letters > 0 && upper == letters;
  *r++ = in_set(&quotes, s[0]);
  *r++ = n_words >= 3 && n_words <= 20 && !ends_sentence && capitalised_share >= 0.5;
  *r++ = n_words >= 4 && n_words <= 25 && !ends_sentence && starts_upper && (double)letters >= 0.7 * (double)n && !ends_colon;
  *r++ = n_words >= 25 || (n_words >= 10 && ends_sentence);
  *r++ = contains(s, n, ":") && has_clock_time(s, n);
  *r++ = n_words <= 12 && ends_in_speech_verb(s, n);
  *r++ = rule_class == 1;
  *r++ = rule_class == 2;
  *r++ = rule_class == 3;
  char found[MAX_LIST];
  find_markers(lower, n, found);
  for (long k = 0; k < n_markers; k++) *r++ = found[k];
  /* set(lower_bare) - STOP_WORDS, longer than 3, sorted */
  span_text = lower;
  qsort(spans, (size_t)n_spans, sizeof(Span), compare_span);
  long kept = 0;
  for (long k = 0; k < n_spans; k++) {
    if (kept > 0 && compare_span(&spans[k], &spans[kept - 1]) == 0) continue;
    spans[kept++] = spans[k];
  }
  long written = 0;
  int status = 0;
  for (long k = 0; k < kept; k++) {
    if (written + spans[k].length + (k > 0) > room) { status = 4; break; }
    if (k > 0) words[written++] = '\n';
    memcpy(words + written, lower + spans[k].start, sizeof(uint32_t) * (size_t)spans[k].length);
    written += spans[k].length;
  }
  *words_length = written;
  free(lower);
  free(spans);
  return status;
}
