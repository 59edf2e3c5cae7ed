// How the search reads an Arabic word: one definition, used by the search page
// for the pages' words and the query's alike (search.js), and by
// bench/search_roots.py, which runs this file in Node to measure it on the
// site's words. No DOM, no imports: it runs in the browser and in Node.
//
// normalise(): the spellings people type for the same word are one: case,
// diacritics and tatweel dropped, every alef with hamza or madda a bare alef,
// ؤ and ئ the hamza ء, ى as ي, ة as ه.
//
// root(): the word's root, found without a dictionary, as a search key. It is
// the ISRI stemmer (Taghva, Elkhoury, Coombs 2005; NLTK's ISRIStemmer is the
// reference, ported rule for rule) with changes measured on the site's own
// words (bench/search_roots.py; docs/benchmarks.md), each marked "not ISRI":
// - every alef with hamza is a bare alef, ؤ and ئ are ء (ISRI: only a word's
//   first letter); a word written with ه for ة still loses it as a suffix;
// - the conjunction ف before ال, لل; a long word's conjunction (و ف) and
//   pronoun (ها هم ك ...) come off first, a ت before the pronoun being the ة
//   it was (صحتها: صحة); a nisba ending ية comes off (الصحية);
// - patterns ISRI lacks that the site uses: متفعّل (متطوع), أفعلاء (أطباء),
//   مفاعيل (مناديب), فعلى (مرضى), فعالى (شكاوى), اتّعال (اتصال: وصل), and
//   فعيل before مفعل (مريض);
// - weak letters and the hamza in a root are one letter (و), so فيد
//   (مستفيد) and فاد (استفادة), شكو and شكي meet; a root of two letters, or
//   with its last letter doubled, gets و between (صحة, صحح: صوح; حاجة: حوج).

const MARKS = /[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]/g;

// The letters root() reads: case, diacritics and tatweel dropped, every alef with
// hamza or madda a bare alef, ؤ and ئ the hamza ء (ى and ة stay: they tell patterns).
function spelling(word) {
  return word.toLowerCase().replace(MARKS, "").replace(/[أإآٱ]/g, "ا").replace(/[ؤئ]/g, "ء");
}

export function normalise(word) {
  return spelling(word).replace(/ى/g, "ي").replace(/ة/g, "ه");
}

// ISRI's affixes, in its order (فال and فلل are not ISRI's).
const P3 = ["كال", "بال", "ولل", "وال", "فال", "فلل"];
const P2 = ["ال", "لل"];
const P1 = ["ل", "ب", "ف", "س", "و", "ي", "ت", "ن", "ا"];
const S3 = ["تمل", "همل", "تان", "تين", "كمل"];
const S2 = ["ون", "ات", "ان", "ين", "تن", "كم", "هن", "نا", "يا", "ها", "تم", "كن", "ني", "وا", "ما", "هم"];
const S1 = ["ة", "ه", "ي", "ك", "ت", "ا", "ن"];
const TA = "ة";
// ISRI's stop words, normalised; they are left as they are.
const STOP = new Set([
  "يكون", "وليس", "وكان", "كذلك", "التي", "وبين", "عليها", "مساء", "الذي", "وكانت", "ولكن", "والتي",
  "تكون", "اليوم", "اللذين", "عليه", "كانت", "لذلك", "امام", "هناك", "منها", "مازال", "لازال", "لايزال",
  "مايزال", "اصبح", "امسي", "اضحي", "مابرح", "مافتء", "ماانفك", "لاسيما", "ولايزال", "الحالي", "اليها",
  "الذين", "فانه", "والذي", "وهذا", "لهذا", "فكان", "ستكون", "اليه", "يمكن", "بهذا",
]);

// The root of a word (a word of up to three letters is its own).
export function root(word) {
  word = spelling(word);
  if (STOP.has(normalise(word))) return word;
  word = clitics(word);
  word = pre32(word);
  word = suf32(word);
  if (word.length === 3 && word.endsWith(TA)) word = word.slice(0, 2); // not ISRI: صحة, عدة
  if (word.length >= 5 && word.endsWith("ية") && word[0] !== "ا") word = word.slice(0, -2); // not ISRI: nisba (الصحية, التقنية), not أفعلة (أدوية)
  if (word.length >= 4 && word.startsWith("وو")) word = word.slice(1); // ISRI's waw()
  if (word.length === 4) word = w4(word);
  else if (word.length === 5) word = end5(w53(word));
  else if (word.length === 6) word = end6(w6(word));
  else if (word.length === 7) {
    word = suf1(word);
    if (word.length === 7) word = pre1(word);
    if (word.length === 6) word = end6(w6(word));
  }
  return fold(word);
}

// Not ISRI: weak letters and the hamza in a root are one letter (و), so the
// forms of a hollow or defective root meet; two letters left (a ة dropped), or
// a doubled last letter, become the first, و, the second (طبب, أطباء: طوب).
function fold(word) {
  if (word.length < 2 || word.length > 4) return word;
  let out = word.replace(/[اويىء]/g, "و");
  if (out.length === 3 && out.endsWith(TA)) out = out.slice(0, 2);
  if (out.length === 3 && out[1] === out[2]) out = out.slice(0, 2);
  return out.length === 2 ? out[0] + "و" + out[1] : out;
}

// Not ISRI: a long word loses a conjunction (و ف) before anything else, and
// a pronoun at its end (ها هم ك ...), a ت before it being the ة it was
// (صحتها: صحة): ISRI takes one prefix and one suffix only.
const PRONOUNS = ["هما", "كما", "هم", "هن", "كم", "كن", "ها", "نا", "ه", "ك", "ي"];

function clitics(word) {
  if (word.length >= 8 && "وف".includes(word[0])) word = word.slice(1);
  if (word.length >= 4) {
    for (const p of PRONOUNS) {
      if (word.endsWith(p) && word.length - p.length >= 3 && (p.length > 1 || word.length >= 5)) {
        word = word.slice(0, -p.length);
        return word.endsWith("ت") && !word.endsWith("ات") ? word.slice(0, -1) + TA : word;
      }
    }
  }
  return word;
}

function pre32(word) {
  if (word.length >= 6) for (const p of P3) if (word.startsWith(p)) return word.slice(3);
  if (word.length >= 5) for (const p of P2) if (word.startsWith(p)) return word.slice(2);
  return word;
}

function suf32(word) {
  if (word.length >= 6) for (const s of S3) if (word.endsWith(s)) return word.slice(0, -3);
  if (word.length >= 5) for (const s of S2) if (word.endsWith(s)) return word.slice(0, -2);
  return word;
}

function suf1(word) {
  for (const s of S1) if (word.endsWith(s)) return word.slice(0, -1);
  return word;
}

function pre1(word) {
  for (const p of P1) if (word.startsWith(p)) return word.slice(1);
  return word;
}

function w4(w) {
  if (w[0] === "م" && w[2] === "ي") return w.slice(0, 2) + w[3]; // not ISRI: فعيل first (مريض)
  if (w[3] === "ى") return w.slice(0, 3); // not ISRI: فعلى (مرضى)
  if (w[0] === "ت" && "وي".includes(w[2])) return w.slice(1); // not ISRI: تفعّل, تفعل of a hollow root (تطوع, تجيب)
  if (w[0] === "م") return w.slice(1); // مفعل
  if (w[1] === "ا") return w[0] + w.slice(2); // فاعل
  if ("اوي".includes(w[2])) return w.slice(0, 2) + w[3]; // فعال فعول فعيل
  if (w[3] === TA) return w.slice(0, 3); // فعلة
  w = suf1(w);
  return w.length === 4 ? pre1(w) : w;
}

function w53(w) {
  if (w[0] === "م" && w[1] === "ت") return w.slice(2); // not ISRI: متفعّل
  if (w[0] === "ا" && w[3] === "ا" && w[4] === "ء") return w.slice(1, 3); // not ISRI: أفعلاء
  if (w[0] === "ا" && w[1] === "ت" && w[3] === "ا") return "و" + w[2] + w[4]; // not ISRI: اتّعال (اتصال: وصل)
  if ("ات".includes(w[2]) && w[0] === "ا") return w[1] + w.slice(3); // افتعل افاعل
  if ("ايو".includes(w[3]) && w[0] === "م") return w.slice(1, 3) + w[4]; // مفعول مفعال مفعيل
  if ("اتم".includes(w[0]) && w[4] === TA) return w.slice(1, 4); // مفعلة تفعلة افعلة
  if ("ميت".includes(w[0]) && w[2] === "ت") return w[1] + w.slice(3); // مفتعل يفتعل تفتعل
  if ("مت".includes(w[0]) && w[2] === "ا") return w[1] + w.slice(3); // مفاعل تفاعل
  if ("او".includes(w[2]) && w[4] === TA) return w.slice(0, 2) + w[3]; // فعولة فعالة
  if ("ام".includes(w[0]) && w[1] === "ن") return w.slice(2); // انفعل منفعل
  if (w[3] === "ا" && w[0] === "ا") return w.slice(1, 3) + w[4]; // افعال
  if (w[4] === "ن" && w[3] === "ا") return w.slice(0, 3); // فعلان
  if (w[3] === "ي" && w[0] === "ت") return w.slice(1, 3) + w[4]; // تفعيل
  if (w[3] === "و" && w[1] === "ا") return w[0] + w[2] + w[4]; // فاعول
  if (w[2] === "ا" && w[1] === "و") return w[0] + w.slice(3); // فواعل
  if (w[3] === "ء" && w[2] === "ا") return w.slice(0, 2) + w[4]; // فعائل
  if (w[4] === TA && w[1] === "ا") return w[0] + w.slice(2, 4); // فاعلة
  if ("يى".includes(w[4]) && w[2] === "ا") return w.slice(0, 2) + w[3]; // فعالي (and فعالى)
  w = suf1(w);
  return w.length === 5 ? pre1(w) : w;
}

function w54(w) {
  if ("اتم".includes(w[0])) return w.slice(1); // تفعلل افعلل مفعلل
  if (w[4] === TA) return w.slice(0, 4); // فعللة
  if (w[2] === "ا") return w.slice(0, 2) + w.slice(3); // فعالل
  return w;
}

function end5(w) {
  if (w.length === 4) return w4(w);
  if (w.length === 5) return w54(w);
  return w;
}

function w6(w) {
  if (w.startsWith("است") || w.startsWith("مست")) return w.slice(3); // مستفعل استفعل
  if (w[0] === "م" && w[3] === "ا" && w[5] === TA) return w.slice(1, 3) + w[4]; // مفعالة
  if (w[0] === "ا" && w[2] === "ت" && w[4] === "ا") return w[1] + w[3] + w[5]; // افتعال
  if (w[0] === "ا" && w[3] === "و" && w[2] === w[4]) return w[1] + w.slice(4); // افعوعل
  if (w[0] === "ت" && w[2] === "ا" && w[4] === "ي") return w[1] + w[3] + w[5]; // تفاعيل
  if ("ما".includes(w[0]) && w[2] === "ا" && w[4] === "ي") return w[1] + w[3] + w[5]; // not ISRI: مفاعيل أفاعيل
  if (w[0] === "ا" && w[4] === "ا" && w[5] === "ء") return w.slice(1, 4); // not ISRI: أفعلاء
  w = suf1(w);
  return w.length === 6 ? pre1(w) : w;
}

function w64(w) {
  if (w[0] === "ا" && w[4] === "ا") return w.slice(1, 4) + w[5]; // افعلال
  if (w.startsWith("مت")) return w.slice(2); // متفعلل
  return w;
}

function end6(w) {
  if (w.length === 5) return end5(w53(w));
  if (w.length === 6) return w64(w);
  return w;
}
