/* A line's own feature vector (detente.lines.features._line_row) for ASCII lines, in C.

   features.py stays the definition: this file computes the same doubles, in the same column order, for a line
   that is all ASCII and already stripped, and refuses anything else (status 1), which Python then computes.
   The word lists and character sets come from features.py at start-up (detente_line_features_init), so that
   they cannot drift apart; `detente compile-line-model` installs the library only after its rows equal
   Python's bit for bit on probe lines, and the library names the sources it was built from (compiled.py checks).

   Python semantics kept here, for ASCII text: str.split() splits on space, \t \n \v \f \r and \x1c-\x1f;
   isalpha, isupper, isdigit and lower() mean [A-Za-z], [A-Z], [0-9] and A-Z -> a-z; re's \d is [0-9] and
   \s the split() whitespace; sorted() on str orders ASCII like memcmp, a prefix first. */

#define _GNU_SOURCE  /* memmem */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LIST 256
#define MAX_LINE 1000000

/* The line columns this file writes before the rule and marker columns, in order (compiled.py compares them with
   features.py's names before using the library). */
const char detente_line_feature_columns[] =
  "log_chars\nlog_words\nletter_share\ndigit_share\nupper_share_of_letters\npunct_share\nstop_word_share\n"
  "capitalised_word_share\nmean_word_length\nends_sentence\nends_colon\nstarts_bullet\nseparators\ncommas_per_word\n"
  "inner_sentence_ends\nhas_year\nhas_url_or_at\nstarts_upper\nall_upper\nstarts_quote\nheadline_like\ntitle_shaped\n"
  "prose_like\nhas_clock_time\nauthor_says\nrule_content\nrule_metadata\nrule_boilerplate";
const char *detente_line_feature_columns_text = detente_line_feature_columns;

static char *stop_words[MAX_LIST];
static long stop_words_len[MAX_LIST];
static long n_stop_words;
static char *markers[MAX_LIST];
static long markers_len[MAX_LIST];
static long n_markers;
static long markers_from[129], markers_by_first[MAX_LIST];  /* marker numbers by first byte: markers_by_first[markers_from[c] ..] */
static char punctuation[128], closers[128], terminals[128], bullets[128], separators[128], quotes[128];
static int ready;

static int is_space(unsigned char c) { return c == ' ' || (c >= 9 && c <= 13) || (c >= 28 && c <= 31); }
static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static int is_upper(unsigned char c) { return c >= 'A' && c <= 'Z'; }
static int is_letter(unsigned char c) { return is_upper(c) || (c >= 'a' && c <= 'z'); }
static unsigned char to_lower(unsigned char c) { return is_upper(c) ? (unsigned char)(c + 32) : c; }

/* Stop words in order of length, then bytes: a binary search compares lengths before bytes. */
static int compare_by_length(long a_len, const char *a, long b_len, const char *b) {
  if (a_len != b_len) return a_len < b_len ? -1 : 1;
  for (long i = 0; i < a_len; i++)
    if (a[i] != b[i]) return (unsigned char)a[i] < (unsigned char)b[i] ? -1 : 1;
  return 0;
}
static int compare_stop_words(const void *a, const void *b) {
  const char *x = *(char *const *)a, *y = *(char *const *)b;
  return compare_by_length((long)strlen(x), x, (long)strlen(y), y);
}

/* Split `text` at '\n' into `out` (copies); the number of entries, or -1. */
static long split_list(const char *text, char **out, long *lengths) {
  long n = 0;
  const char *start = text;
  for (const char *p = text;; p++) {
    if (*p == '\n' || *p == '\0') {
      if (p > start) {
        if (n == MAX_LIST) return -1;
        long len = (long)(p - start);
        out[n] = malloc((size_t)len + 1);
        if (out[n] == NULL) return -1;
        memcpy(out[n], start, (size_t)len);
        out[n][len] = '\0';
        if (lengths != NULL) lengths[n] = len;
        n++;
      }
      if (*p == '\0') break;
      start = p + 1;
    }
  }
  return n;
}

static void set_of(const char *chars, char *table) {
  memset(table, 0, 128);
  for (const unsigned char *p = (const unsigned char *)chars; *p; p++)
    if (*p < 128) table[*p] = 1;
}

/* The lists and character sets of features.py, each list '\n'-separated, each set the ASCII members. Once. */
int detente_line_features_init(const char *stop_list, const char *marker_list, const char *punctuation_set,
                               const char *closer_set, const char *terminal_set, const char *bullet_set,
                               const char *separator_set, const char *quote_set) {
  if (ready) return 0;
  n_stop_words = split_list(stop_list, stop_words, NULL);
  n_markers = split_list(marker_list, markers, markers_len);
  if (n_stop_words < 0 || n_markers < 0) return 2;
  qsort(stop_words, (size_t)n_stop_words, sizeof(char *), compare_stop_words);
  for (long k = 0; k < n_stop_words; k++) stop_words_len[k] = (long)strlen(stop_words[k]);
  long filled = 0;
  for (int c = 0; c < 128; c++) {
    markers_from[c] = filled;
    for (long k = 0; k < n_markers; k++)
      if ((unsigned char)markers[k][0] == c) markers_by_first[filled++] = k;
  }
  markers_from[128] = filled;  /* markers whose first byte is not ASCII never occur in an ASCII line */
  set_of(punctuation_set, punctuation);
  set_of(closer_set, closers);
  set_of(terminal_set, terminals);
  set_of(bullet_set, bullets);
  set_of(separator_set, separators);
  set_of(quote_set, quotes);
  ready = 1;
  return 0;
}

int detente_line_features_markers(void) { return (int)n_markers; }

static int is_stop_word(const char *word, long len) {
  long low = 0, high = n_stop_words - 1;
  while (low <= high) {
    long mid = (low + high) / 2;
    int order = compare_by_length(stop_words_len[mid], stop_words[mid], len, word);
    if (order == 0) return 1;
    if (order < 0) low = mid + 1; else high = mid - 1;
  }
  return 0;
}

/* found[k] = marker k occurs in the (lower-cased, ASCII) text: one pass, trying at each position only the
   markers that start with its byte. */
static void find_markers(const char *text, long n, char *found) {
  memset(found, 0, (size_t)n_markers);
  for (long i = 0; i < n; i++) {
    unsigned char c = (unsigned char)text[i];
    for (long j = markers_from[c]; j < markers_from[c + 1]; j++) {
      long k = markers_by_first[j];
      long len = markers_len[k], m = 1;
      if (found[k] || i + len > n) continue;
      while (m < len && text[i + m] == markers[k][m]) m++;  /* most candidates fail at the second byte */
      if (m == len) found[k] = 1;
    }
  }
}

static int contains(const char *text, long n, const char *part, long len) {
  return memmem(text, (size_t)n, part, (size_t)len) != NULL;
}

/* (?:19|20)(?<!\d19)(?<!\d20)\d\d(?!\d) */
static int has_year(const unsigned char *s, long n) {
  for (long i = 0; i + 4 <= n; i++) {
    if (!((s[i] == '1' && s[i + 1] == '9') || (s[i] == '2' && s[i + 1] == '0'))) continue;
    if (i > 0 && is_digit(s[i - 1])) continue;
    if (is_digit(s[i + 2]) && is_digit(s[i + 3]) && (i + 4 == n || !is_digit(s[i + 4]))) return 1;
  }
  return 0;
}

/* (?<!\d)\d{1,2}:\d\d(?!\d): a run of one or two digits (not more), a colon, exactly two digits */
static int has_clock_time(const unsigned char *s, long n) {
  for (long j = 1; j + 2 < n; j++) {
    if (s[j] != ':' || !is_digit(s[j + 1]) || !is_digit(s[j + 2]) || (j + 3 < n && is_digit(s[j + 3]))) continue;
    long run = 0;
    while (j - run - 1 >= 0 && is_digit(s[j - run - 1])) run++;
    if (run == 1 || run == 2) return 1;
  }
  return 0;
}

/* (?:says|said|wrote|writes|replied)\s*:?$ , ignoring case, on a stripped line */
static int ends_in_speech_verb(const unsigned char *s, long n) {
  static const char *verbs[] = {"says", "said", "wrote", "writes", "replied"};
  long end = n;
  if (end > 0 && s[end - 1] == ':') end--;
  while (end > 0 && is_space(s[end - 1])) end--;
  for (int k = 0; k < 5; k++) {
    long len = (long)strlen(verbs[k]);
    if (end < len) continue;
    long i = 0;
    while (i < len && to_lower(s[end - len + i]) == (unsigned char)verbs[k][i]) i++;
    if (i == len) return 1;
  }
  return 0;
}

typedef struct { long start, length; } Span;
static _Thread_local const char *span_text;  /* the comparator's text: ctypes lets threads call at once */
static int compare_span(const void *a, const void *b) {
  const Span *x = a, *y = b;
  long shorter = x->length < y->length ? x->length : y->length;
  int order = memcmp(span_text + x->start, span_text + y->start, (size_t)shorter);
  if (order != 0) return order;
  return (x->length > y->length) - (x->length < y->length);
}

/* Row (width doubles: the line columns, the rule class columns from rule_class: 0 none, 1 content, 2 metadata,
   3 boilerplate, the markers) and the line's content words (distinct, sorted, lower-cased), written to `words`
   separated by '\n', *words_length bytes (room: n bytes is always enough). Status 0; 1 for a line this code does
   not handle (Python computes it); 2 out of memory; 3 not initialised; 4 too little room. */
int detente_line_row(const char *line, long n, int rule_class, long width, double *row, char *words, long room, long *words_length) {
  const unsigned char *s = (const unsigned char *)line;
  if (!ready) return 3;
  if (n <= 0 || n > MAX_LINE || width != 28 + n_markers) return 1;
  for (long i = 0; i < n; i++) if (s[i] >= 128 || s[i] == 0) return 1;  /* NUL: C strings end there */
  if (is_space(s[0]) || is_space(s[n - 1])) return 1;  /* not stripped */
  char *lower = malloc((size_t)n);
  Span *spans = malloc(sizeof(Span) * (size_t)(n / 2 + 1));
  if (lower == NULL || spans == NULL) { free(lower); free(spans); return 2; }
  long letters = 0, upper = 0, digits = 0, spaces = 0, n_words = 0, word_chars = 0, capitalised = 0, stop = 0;
  long n_spans = 0, separator_count = 0, commas = 0, inner_ends = 0;
  for (long i = 0; i < n; i++) {
    unsigned char c = s[i];
    lower[i] = (char)to_lower(c);
    letters += is_letter(c);
    upper += is_upper(c);
    digits += is_digit(c);
    spaces += c == ' ';
    separator_count += separators[c];
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
    while (a < b && punctuation[s[a]]) a++;  /* str.strip(_PUNCTUATION) */
    while (b > a && punctuation[s[b - 1]]) b--;
    long len = b - a;
    word_chars += len;
    capitalised += len > 0 && is_upper(s[a]);
    int is_stop = is_stop_word(lower + a, len);
    stop += is_stop;
    if (len > 3 && !is_stop) { spans[n_spans].start = a; spans[n_spans].length = len; n_spans++; }
  }
  if (n_words == 0) { free(lower); free(spans); return 1; }
  long end = n;
  while (end > 0 && closers[s[end - 1]]) end--;  /* rstrip(_CLOSERS) */
  int ends_sentence = end > 0 && terminals[s[end - 1]];
  int ends_colon = s[n - 1] == ':';
  int starts_upper = is_upper(s[0]);
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
  *r++ = bullets[s[0]];
  *r++ = (double)separator_count;
  *r++ = (double)commas / (double)n_words;
  *r++ = (double)inner_ends;
  *r++ = digits >= 4 && has_year(s, n);
  *r++ = contains(line, n, "@", 1) || contains(lower, n, "http", 4) || contains(lower, n, "www.", 4);
  *r++ = starts_upper;
  *r++ = letters > 0 && upper == letters;
  *r++ = quotes[s[0]];
  *r++ = n_words >= 3 && n_words <= 20 && !ends_sentence && capitalised_share >= 0.5;
  *r++ = n_words >= 4 && n_words <= 25 && !ends_sentence && starts_upper && (double)letters >= 0.7 * (double)n && !ends_colon;
  *r++ = n_words >= 25 || (n_words >= 10 && ends_sentence);
  *r++ = contains(line, n, ":", 1) && has_clock_time(s, n);
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
  for (long k = 0; k < kept && status == 0; k++) {
    if (written + spans[k].length + (k > 0) > room) { status = 4; break; }
    if (k > 0) words[written++] = '\n';
    memcpy(words + written, lower + spans[k].start, (size_t)spans[k].length);
    written += spans[k].length;
  }
  *words_length = written;
  free(lower);
  free(spans);
  return status;
}
