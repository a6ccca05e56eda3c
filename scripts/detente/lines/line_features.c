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
typedef struct { uint32_t members[MAX_SET]; long size; unsigned char ascii[128]; } CharacterSet;  /* ascii[c]: c a member */

static Word stop_words[MAX_LIST], markers[MAX_LIST];
static long n_stop_words, n_markers;
static long markers_from[130], markers_by_first[MAX_LIST];  /* marker numbers by first character (128: not ASCII) */
/* second[a][b]: some marker starts with ASCII a then b, or is a alone (then a marker may start at any a) */
static unsigned char second[128][128], alone[128];
#define STOP_LENGTHS 32
static unsigned char stop_starts[STOP_LENGTHS][128];  /* stop_starts[l][c]: a stop word of l characters starts with ASCII c */
static CharacterSet punctuation, closers, terminals, bullets, separators, quotes;
static int ready;

static unsigned flags_of(uint32_t c) { return c < TABLE_SIZE ? detente_character_flags[c] : 0; }
static int is_space(uint32_t c) { return (flags_of(c) & SPACE) != 0; }
static int is_digit(uint32_t c) { return c >= '0' && c <= '9'; }
static uint32_t lower_of(uint32_t c) { return detente_character_lower[c]; }  /* c known, so below TABLE_SIZE */
static int in_set(const CharacterSet *set, uint32_t c) {
  if (c < 128) return set->ascii[c];
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
  memset(set->ascii, 0, sizeof set->ascii);
  for (long k = 0; k < n; k++) if (text[k] < 128) set->ascii[text[k]] = 1;
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
  for (long k = 0; k < n_stop_words; k++)
    if (stop_words[k].length < STOP_LENGTHS && stop_words[k].text[0] < 128) stop_starts[stop_words[k].length][stop_words[k].text[0]] = 1;
  for (long k = 0; k < n_markers; k++) {
    uint32_t a = markers[k].text[0];
    if (a >= 128) continue;
    if (markers[k].length == 1 || markers[k].text[1] >= 128) alone[a] = 1;  /* a non-ASCII second character: no shortcut */
    else second[a][markers[k].text[1]] = 1;
  }
  ready = 1;
  return 0;
}

int detente_line_features_markers(void) { return (int)n_markers; }

static int is_stop_word(const uint32_t *word, long len) {
  /* most words are not: no stop word has their length and (ASCII) first character */
  if (len > 0 && len < STOP_LENGTHS && word[0] < 128 && !stop_starts[len][word[0]]) return 0;
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
    /* no marker starts with this ASCII character and the next (the common case): nothing to try here */
    if (c < 128 && !alone[c] && (i + 1 == n || (text[i + 1] < 128 && !second[c][text[i + 1]]))) continue;
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

/* ---------------------------------------------------------------------------------------------------------
   A page's rows: features.numpy_page_features and features.numpy_context_rows in C, the same doubles by the same
   operations in the same order (numpy's cumsum and bincount add in sequence from the first value; a stable
   argsort ranks ties by position). The layout (which line columns the neighbour and window features repeat, the
   offsets and windows) comes from features.py at start-up (detente_page_layout_init), as do the log1p values of
   small whole numbers (larger ones call the same C library's log1p as Python's math.log1p). `detente
   compile-line-model` installs the library only after these rows equal numpy's bit for bit on probe pages.
   --------------------------------------------------------------------------------------------------------- */

#define MAX_LAYOUT 64
#define LOG1P_TABLE 1024

static long line_width, prose_column, title_column, says_column, comment_column;
static long neighbour_columns[MAX_LAYOUT], n_neighbour_columns, offsets[MAX_LAYOUT], n_offsets;
static long window_columns[MAX_LAYOUT], n_window_columns, windows[MAX_LAYOUT], n_windows, p_windows[MAX_LAYOUT], n_p_windows;
static long feature_width, context_width;
static double log1p_table[LOG1P_TABLE];
static int page_ready;

/* Reads a count and that many values from layout[*at]; -1 when they do not fit. */
static long take_list(const int64_t *layout, long layout_n, long *at, long *out) {
  if (*at >= layout_n) return -1;
  long count = (long)layout[(*at)++];
  if (count < 0 || count > MAX_LAYOUT || *at + count > layout_n) return -1;
  for (long k = 0; k < count; k++) out[k] = (long)layout[(*at)++];
  return count;
}

/* layout: line width, the prose_like, title_shaped, author_says and marker_comment columns, then four lists (each
   a count and its values): the neighbour columns, the offsets, the window columns, the windows, then the windows
   of the first stage's probabilities. table: log1p(0), log1p(1), ... (LOG1P_TABLE values). Once per process. */
int detente_page_layout_init(const int64_t *layout, long layout_n, const double *table, long table_n) {
  if (page_ready) return 0;
  if (layout_n < 5 || table_n != LOG1P_TABLE) return 2;
  line_width = (long)layout[0], prose_column = (long)layout[1], title_column = (long)layout[2], says_column = (long)layout[3];
  comment_column = (long)layout[4];
  long at = 5;
  n_neighbour_columns = take_list(layout, layout_n, &at, neighbour_columns);
  n_offsets = take_list(layout, layout_n, &at, offsets);
  n_window_columns = take_list(layout, layout_n, &at, window_columns);
  n_windows = take_list(layout, layout_n, &at, windows);
  n_p_windows = take_list(layout, layout_n, &at, p_windows);
  if (n_neighbour_columns < 0 || n_offsets < 0 || n_window_columns < 0 || n_windows < 0 || n_p_windows < 0 || at != layout_n) return 2;
  long columns[] = {prose_column, title_column, says_column, comment_column};
  for (long k = 0; k < 4; k++) if (columns[k] < 0 || columns[k] >= line_width) return 2;
  for (long k = 0; k < n_neighbour_columns; k++) if (neighbour_columns[k] < 0 || neighbour_columns[k] >= line_width) return 2;
  for (long k = 0; k < n_window_columns; k++) if (window_columns[k] < 0 || window_columns[k] >= line_width) return 2;
  memcpy(log1p_table, table, sizeof log1p_table);
  feature_width = line_width + 12 + n_offsets * n_neighbour_columns + n_windows * n_window_columns;
  context_width = 2 + n_offsets + n_p_windows + 8 + 6;
  page_ready = 1;
  return 0;
}

long detente_page_feature_width(void) { return page_ready ? feature_width : -1; }
long detente_page_context_width(void) { return page_ready ? context_width : -1; }

/* features._log1p of a whole number k >= 0 (the callers pass counts; a negative k is not read from the table) */
static double log1p_whole(long k) { return k >= 0 && k < LOG1P_TABLE ? log1p_table[k] : log1p((double)k); }

/* features._window_means of column `column` of `values` (n rows of `stride`), written to out[i * out_stride]
   for each line i: the mean over the lines within `reach` of line i. `cumulative` (n + 1 doubles) is scratch. */
static void window_means(const double *values, long n, long stride, long column, const long *reaches, long n_reaches,
                         double *cumulative, double *out, long out_stride, long out_step) {
  cumulative[0] = 0.0;
  if (n > 0) cumulative[1] = values[column];  /* np.cumsum: the first sum is the first value itself */
  for (long i = 1; i < n; i++) cumulative[i + 1] = cumulative[i] + values[i * stride + column];
  for (long w = 0; w < n_reaches; w++) {
    for (long i = 0; i < n; i++) {
      long low = i - reaches[w] > 0 ? i - reaches[w] : 0, high = i + reaches[w] + 1 < n ? i + reaches[w] + 1 : n;
      out[i * out_stride + w * out_step] = (cumulative[high] - cumulative[low]) / (double)(high - low);
    }
  }
}

typedef struct { double chars; long index; } Length;
/* Longest first; equal lengths in page order (np.argsort(-chars, kind="stable")). */
static int compare_lengths(const void *a, const void *b) {
  const Length *x = a, *y = b;
  if (x->chars != y->chars) return x->chars > y->chars ? -1 : 1;
  return (x->index > y->index) - (x->index < y->index);
}

/* features.numpy_page_features: FEATURE_NAMES of each of a page's n non-blank lines into out (n rows of
   feature_width), from their own rows (n rows of line_width), how often each line's text occurs on the page,
   whether it is echoed, and its length in characters. Status 0; 2 out of memory; 3 not initialised; 4 a count or
   length that is not a whole number from 1 to 2^53. */
int detente_page_features(long n, const double *own, const double *repeats, const double *echoed, const double *chars, double *out) {
  if (!page_ready) return 3;
  if (n <= 0) return 0;
  for (long i = 0; i < n; i++)  /* NaN fails every comparison */
    if (!(repeats[i] >= 1.0 && repeats[i] <= 9007199254740992.0 && repeats[i] == floor(repeats[i])) ||
        !(chars[i] >= 1.0 && chars[i] <= 9007199254740992.0 && chars[i] == floor(chars[i]))) return 4;
  long *prose = malloc(sizeof(long) * (size_t)n);
  Length *lengths = malloc(sizeof(Length) * (size_t)n);
  double *cumulative = malloc(sizeof(double) * (size_t)(n + 1));
  if (prose == NULL || lengths == NULL || cumulative == NULL) { free(prose); free(lengths); free(cumulative); return 2; }
  long n_prose = 0;
  double total = 0.0, longest = chars[0];
  for (long i = 0; i < n; i++) {
    if (own[i * line_width + prose_column] != 0.0) prose[n_prose++] = i;
    total += chars[i];  /* whole numbers: exact in any order */
    if (chars[i] > longest) longest = chars[i];
    lengths[i].chars = chars[i], lengths[i].index = i;
  }
  qsort(lengths, (size_t)n, sizeof(Length), compare_lengths);
  double log_lines = log1p_whole(n), before = 0.0;
  long right = 0;  /* the first prose line at or after line i */
  for (long i = 0; i < n; i++) {
    double *row = out + i * feature_width;
    memcpy(row, own + i * line_width, sizeof(double) * (size_t)line_width);
    double *r = row + line_width;
    *r++ = repeats[i] > 1.0;
    *r++ = log1p_whole((long)repeats[i]);
    *r++ = echoed[i];
    *r++ = (double)i / (double)(n - 1 > 1 ? n - 1 : 1);
    double through = before + chars[i];  /* np.cumsum(chars) */
    *r++ = (through - chars[i]) / total;
    before = through;
    *r++ = log_lines;
    if (n_prose > 0) {
      long first = prose[0], last = prose[n_prose - 1];
      while (right < n_prose && prose[right] < i) right++;
      long after = right < n_prose ? right : n_prose - 1, earlier = after - 1 > 0 ? after - 1 : 0;
      long to_after = labs(prose[after] - i), to_earlier = labs(prose[earlier] - i);
      *r++ = i >= first && i <= last;
      *r++ = (double)(i - first) / (double)n;
      *r++ = (double)(i - last) / (double)n;
      *r++ = log1p_whole(to_after < to_earlier ? to_after : to_earlier);
    } else {
      *r++ = 0.0, *r++ = 0.0, *r++ = 0.0;
      *r++ = log1p_whole(n);
    }
    r++;  /* length_rank: below */
    *r++ = chars[i] / longest;
  }
  for (long rank = 0; rank < n; rank++) out[lengths[rank].index * feature_width + line_width + 10] = (double)rank / (double)n;
  long shifted_at = line_width + 12;
  for (long i = 0; i < n; i++) {
    double *r = out + i * feature_width + shifted_at;
    for (long o = 0; o < n_offsets; o++) {
      long j = i + offsets[o];
      for (long c = 0; c < n_neighbour_columns; c++) *r++ = j >= 0 && j < n ? own[j * line_width + neighbour_columns[c]] : -1.0;
    }
  }
  long windows_at = shifted_at + n_offsets * n_neighbour_columns;
  for (long c = 0; c < n_window_columns; c++)
    window_means(own, n, line_width, window_columns[c], windows, n_windows, cumulative, out + windows_at + c, feature_width, n_window_columns);
  free(prose);
  free(lengths);
  free(cumulative);
  return 0;
}

/* features.best_run: first and last line of the run with the largest sum of scores (Kadane). */
static void best_run(const double *scores, long n, long *first, long *last) {
  double best = -INFINITY, current = 0.0;
  long start = 0;
  *first = 0, *last = 0;
  for (long i = 0; i < n; i++) {
    if (current <= 0) current = scores[i], start = i;
    else current += scores[i];
    if (current > best) best = current, *first = start, *last = i;
  }
}

/* features.numpy_context_rows: for each of k members (its first-stage probabilities p[m * n ...], their maximum
   tops[m]) and each of the n lines, the line's features (n rows of feature_width) then CONTEXT_NAMES, into out
   (k * n rows of feature_width + context_width). The page's content words: word_ids[j] (0 .. distinct - 1) of line line_of_word[j], lines in
   order; per_line[i] the line's count of them, at least 1. Status 0; 2 out of memory; 3 not initialised. */
int detente_context_rows(long k, long n, const double *features, const double *p, const double *tops, const double *chars, long n_words,
                         const int64_t *word_ids, const int64_t *line_of_word, long distinct, const int64_t *per_line, double *out) {
  if (!page_ready) return 3;
  if (n <= 0 || k <= 0) return 0;
  long width = feature_width + context_width;
  double *scores = malloc(sizeof(double) * (size_t)n), *cumulative = malloc(sizeof(double) * (size_t)(n + 1));
  double *in_likely = malloc(sizeof(double) * (size_t)(distinct > 0 ? distinct : 1));
  long *unlikely = malloc(sizeof(long) * (size_t)(n + 1)), *headlines = malloc(sizeof(long) * (size_t)n);
  if (scores == NULL || cumulative == NULL || in_likely == NULL || unlikely == NULL || headlines == NULL) {
    free(scores); free(cumulative); free(in_likely); free(unlikely); free(headlines);
    return 2;
  }
  long n_headlines = 0;
  for (long i = 0; i < n; i++) if (features[i * feature_width + title_column] > 0) headlines[n_headlines++] = i;
  for (long m = 0; m < k; m++) {
    const double *pm = p + m * n;
    double *rows = out + m * n * width;
    for (long i = 0; i < n; i++) memcpy(rows + i * width, features + i * feature_width, sizeof(double) * (size_t)feature_width);
    double *context = rows + feature_width;  /* line i's context: context[i * width + column] */
    double top = tops[m];  /* numpy's p.max(): its NaN and signed-zero rules, not re-derived here */
    long runs[2][2];
    for (long i = 0; i < n; i++) scores[i] = pm[i] - 0.5;
    best_run(scores, n, &runs[0][0], &runs[0][1]);
    for (long i = 0; i < n; i++) scores[i] = (pm[i] - 0.5) * chars[i];
    best_run(scores, n, &runs[1][0], &runs[1][1]);
    long start = runs[1][0], end = runs[1][1];
    long headlines_before = 0;  /* headlines at or before the start of the run by characters */
    while (headlines_before < n_headlines && headlines[headlines_before] <= start) headlines_before++;
    unlikely[0] = 0;
    for (long i = 0; i < n; i++) unlikely[i + 1] = unlikely[i] + (pm[i] < 0.5);
    long marks = 0;
    for (long i = 0; i < n; i++) {
      double *c = context + i * width;
      *c++ = pm[i];
      *c++ = top;
      for (long o = 0; o < n_offsets; o++) {
        long j = i + offsets[o];
        *c++ = j >= 0 && j < n ? pm[j] : -1.0;
      }
      c += n_p_windows;  /* the windows: below */
      for (long run = 0; run < 2; run++) {
        long first = runs[run][0], last = runs[run][1];
        *c++ = i >= first && i <= last;
        *c++ = (double)(i - first) / (double)n;
        *c++ = (double)(i - last) / (double)n;
        *c++ = (double)(last - first + 1) / (double)n;
      }
      *c++ = headlines_before > 0 && headlines[headlines_before - 1] == i;
      *c++ = (double)headlines_before;
      c += 2;  /* the shared words: below */
      int after = i > end;
      marks += after && (features[i * feature_width + says_column] > 0 || features[i * feature_width + comment_column] > 0);
      *c++ = log1p_whole(after ? marks : 0);
      long between = after ? unlikely[i] - unlikely[end + 1] : i < start ? unlikely[start] - unlikely[i + 1] : 0;
      *c++ = log1p_whole(between);
    }
    window_means(pm, n, 1, 0, p_windows, n_p_windows, cumulative, context + 2 + n_offsets, width, 1);
    long shared_at = 2 + n_offsets + n_p_windows + 8 + 2;
    if (distinct == 0) {
      for (long i = 0; i < n; i++) context[i * width + shared_at] = 0.0, context[i * width + shared_at + 1] = 0.0;
      continue;
    }
    /* features._cohesion: how many likely lines (p >= 1/2) have each word, less the line's own vote */
    for (long w = 0; w < distinct; w++) in_likely[w] = 0.0;
    for (long j = 0; j < n_words; j++) in_likely[word_ids[j]] += (double)(pm[line_of_word[j]] >= 0.5);
    for (long i = 0; i < n; i++) scores[i] = 0.0, cumulative[i] = 0.0;  /* per line: the share's sum, the depth's */
    for (long j = 0; j < n_words; j++) {
      int64_t line = line_of_word[j];
      double others = in_likely[word_ids[j]] - (double)(pm[line] >= 0.5);
      scores[line] += (double)(others > 0);
      cumulative[line] += log1p_whole((long)others);
    }
    for (long i = 0; i < n; i++) {
      context[i * width + shared_at] = scores[i] / (double)per_line[i];
      context[i * width + shared_at + 1] = cumulative[i] / (double)per_line[i];
    }
  }
  free(scores); free(cumulative); free(in_likely); free(unlikely); free(headlines);
  return 0;
}

/* ---------------------------------------------------------------------------------------------------------
   A page's lines in one call: detente_line_row for each, and the page's content words numbered in order of
   first use (features.page_words), so that Python pays one call per page, not one per line.
   --------------------------------------------------------------------------------------------------------- */

static uint64_t hash_word(const uint32_t *word, long length) {
  uint64_t hash = 1469598103934665603ULL;  /* FNV-1a over the code points */
  for (long i = 0; i < length; i++) hash = (hash ^ word[i]) * 1099511628211ULL;
  return hash;
}

/* The n lines of a page, line i the code points text[starts[i] .. starts[i + 1]), with its rule class: row i of
   `rows` (width doubles) and taken[i] = 1, or taken[i] = 0 for a line detente_line_row leaves to Python (its row
   untouched). The taken lines' content words go to `words` (room code points; the text's length is always
   enough), '\n' between the words of a line and nothing between lines: line i's end at word_ends[i], its count
   of words at word_counts[i]. Then every word of the taken lines, line after line, gets an id in order of first
   use (word_ids, with its line in line_of_word, *n_words in all, *distinct ids). Status 0; 2 out of memory;
   3 not initialised; 4 too little room. */
int detente_page_lines(long n, const uint32_t *text, const int64_t *starts, const int32_t *rule_classes, long width,
                       double *rows, int32_t *taken, uint32_t *words, long room, int64_t *word_ends, int64_t *word_counts,
                       int64_t *word_ids, int64_t *line_of_word, long *n_words, long *distinct) {
  if (!ready) return 3;
  long used = 0, total = 0;
  for (long i = 0; i < n; i++) {
    long length = 0;
    int status = detente_line_row(text + starts[i], (long)(starts[i + 1] - starts[i]), rule_classes[i], width, rows + i * width,
                                  words + used, room - used, &length);
    if (status != 0 && status != 1) return status;
    taken[i] = status == 0;
    long count = 0;
    if (status == 0 && length > 0) {
      count = 1;
      for (long j = used; j < used + length; j++) count += words[j] == '\n';
    }
    used += status == 0 ? length : 0;
    word_ends[i] = used, word_counts[i] = count;
    total += count;
  }
  *n_words = total, *distinct = 0;
  if (total == 0) return 0;
  long capacity = 1;
  while (capacity < 2 * total) capacity *= 2;
  long *slots = malloc(sizeof(long) * (size_t)capacity), *word_start = malloc(sizeof(long) * (size_t)total);
  long *word_length = malloc(sizeof(long) * (size_t)total);  /* of each id's first occurrence */
  if (slots == NULL || word_start == NULL || word_length == NULL) { free(slots); free(word_start); free(word_length); return 2; }
  for (long s = 0; s < capacity; s++) slots[s] = -1;
  long w = 0, ids = 0, from = 0;
  for (long i = 0; i < n; i++) {
    long end = (long)word_ends[i];
    for (long a = from; a < end;) {
      long b = a;
      while (b < end && words[b] != '\n') b++;
      long s = (long)(hash_word(words + a, b - a) & (uint64_t)(capacity - 1));
      while (slots[s] >= 0 && compare_words(words + word_start[slots[s]], word_length[slots[s]], words + a, b - a) != 0)
        s = (s + 1) & (capacity - 1);
      if (slots[s] < 0) slots[s] = ids, word_start[ids] = a, word_length[ids] = b - a, ids++;
      word_ids[w] = slots[s], line_of_word[w] = i, w++;
      a = b + 1;
    }
    from = end;
  }
  *distinct = ids;
  free(slots); free(word_start); free(word_length);
  return 0;
}
