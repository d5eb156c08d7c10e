"""Word lists for the synthetic corpus: clinical-aesthetics terms and everyday English."""

from __future__ import annotations


def _words(text: str) -> list[str]:
    return text.split()


PROCEDURES = """
microneedling; radiofrequency microneedling; chemical peel; glycolic acid peel; salicylic acid peel;
TCA peel; dermal filler injection; lip augmentation; botulinum toxin injection; laser resurfacing;
fractional CO2 laser; erbium laser resurfacing; IPL photofacial; PRP therapy; microdermabrasion;
dermaplaning; thread lift; hydrafacial; LED light therapy; cryolipolysis; mesotherapy;
laser hair removal; tattoo removal; sclerotherapy; skin booster injection; non-surgical rhinoplasty;
tear trough filler; cheek filler; jawline contouring; chin filler; profhilo treatment;
ultrasound skin tightening; radiofrequency skin tightening; carbon laser peel; vampire facial;
polynucleotide injection; fat dissolving injection; collagen stimulator injection; enzyme peel;
oxygen facial; plasma pen treatment; nanoneedling; dermarolling at home; scalp microneedling
""".replace("\n", " ")

COMPLICATIONS = """
redness; bruising; infection; swelling; pain; hyperpigmentation; hypopigmentation; scarring;
allergic reaction; herpes reactivation; acne flare; milia; granuloma; vascular occlusion;
skin necrosis; eyelid ptosis; asymmetry; tram track marks; contact dermatitis; burns; blistering;
itching; dryness; peeling; lumps and nodules; Tyndall effect; filler migration; prolonged erythema;
post-inflammatory hyperpigmentation; bacterial infection; fungal infection; sensitivity;
stinging; burning sensation; crusting; oozing; pus formation; fever; headache; numbness;
delayed hypersensitivity; keloid formation; telangiectasia; petechiae; flushing; hives;
overcorrection; undercorrection; textural irregularity; persistent discomfort; tenderness
""".replace("\n", " ")

AREAS = """
forehead; cheeks; chin; jawline; neck; decolletage; under-eye area; lips; nose; temples; scalp;
hands; abdomen; thighs; back; upper arms; glabella; crow's feet; nasolabial folds; marionette lines;
perioral area; periorbital area; brow; earlobes; knees; buttocks; chest; face; eyelids; smile lines
""".replace("\n", " ")

PRODUCTS = """
hyaluronic acid serum; retinol cream; vitamin C serum; broad-spectrum sunscreen; ceramide moisturiser;
niacinamide serum; glycolic acid toner; salicylic acid cleanser; azelaic acid gel; peptide cream;
growth factor serum; topical anaesthetic cream; chlorhexidine wash; antibiotic ointment;
cold compress; arnica gel; aloe vera gel; thermal water spray; gentle cleanser; barrier repair balm;
mineral sunscreen; tinted sunscreen; hydrocortisone cream; petroleum jelly; silicone scar gel;
exfoliating scrub; benzoyl peroxide wash; tranexamic acid serum; bakuchiol oil; squalane oil;
alcohol-based toner; fragrance-free lotion; antiviral tablets; oral antibiotics; antihistamine
""".replace("\n", " ")

TECHNIQUES = """
Pre-Treatment Consultation; Sterile Equipment and Protocols; Needle Depth Adjustment;
Skin Cleansing and Disinfection; Topical Anaesthetic Application; Patch Testing; Medical History Review;
Skin Type Assessment; Photographic Documentation; Informed Consent; Aseptic Technique;
Cannula Injection Technique; Aspiration Before Injection; Serial Puncture Technique; Linear Threading;
Fanning Technique; Cross-Hatching Pattern; Pressure Control; Treatment Pass Planning;
Device Calibration; Single-Use Cartridges; Hand Hygiene; Post-Procedure Assessment;
Vascular Anatomy Mapping; Emergency Hyaluronidase Protocol; Cooling the Treatment Area;
Test Spot Treatment; Fluence Selection; Pulse Duration Setting; Neutralising the Peel
""".replace("\n", " ")

AFTERCARE = """
Avoid Sun Exposure; Avoid Harsh Skincare Products; When to Seek Professional Help;
Gentle Cleansing; Apply Broad-Spectrum Sunscreen; Keep the Skin Hydrated; Avoid Makeup;
Avoid Strenuous Exercise; Avoid Hot Showers and Saunas; Sleep with the Head Elevated;
Do Not Pick or Scratch; Use a Cold Compress; Avoid Alcohol; Avoid Swimming Pools;
Follow-Up Appointment; Resume Retinoids Gradually; Avoid Exfoliation; Change Pillowcases Daily;
Stay Hydrated; Avoid Facial Massage; Monitor for Warning Signs; Take Prescribed Antivirals;
Avoid Blood Thinners; Keep Hands Away from the Face; Use Fragrance-Free Products
""".replace("\n", " ")

DOMAIN_WORDS = _words(
    """
    skin epidermis dermis collagen elastin fibroblast keratinocyte melanocyte melanin pigment pore
    sebum sebaceous follicle capillary vessel blood lymphatic tissue wound healing inflammation
    inflammatory erythema edema oedema ecchymosis hematoma purpura pruritus papule pustule vesicle
    bulla crust scab barrier hydration moisture transepidermal water loss acne rosacea eczema
    psoriasis melasma vitiligo scar atrophic hypertrophic keloid wrinkle fine lines laxity texture
    tone complexion radiance glow rejuvenation resurfacing remodeling remodelling regeneration
    stimulation induction channel microchannel needle needles cartridge pen roller depth millimetre
    millimeter penetration passes pressure angle speed device sterile sterilised sterilized
    disposable single-use autoclave disinfectant antiseptic alcohol chlorhexidine povidone gloves
    mask gown hygiene contamination bacteria bacterial staphylococcus streptococcus fungal viral
    herpes cold sore outbreak antiviral antibiotic antihistamine steroid hydrocortisone analgesic
    paracetamol ibuprofen anaesthetic anesthetic lidocaine numbing cream topical serum moisturiser
    moisturizer sunscreen sunblock spf uva uvb ultraviolet sunlight sun exposure shade hat retinoid
    retinol tretinoin vitamin acid glycolic lactic salicylic mandelic azelaic hyaluronic ceramide
    peptide niacinamide antioxidant exfoliant exfoliation scrub peel toner cleanser makeup cosmetics
    fragrance irritant irritation sensitivity sensitive reactive allergy allergic hypersensitivity
    patch test practitioner clinician dermatologist nurse aesthetician therapist doctor physician
    clinic consultation assessment history medication anticoagulant isotretinoin pregnancy
    breastfeeding contraindication indication candidate fitzpatrick phototype skin type oily dry
    combination mature ageing aging procedure treatment session protocol technique aftercare
    downtime recovery healing phase timeline hours days week weeks month months follow-up review
    appointment outcome result results improvement complication complications risk risks adverse
    reaction reactions side effect effects warning sign signs symptom symptoms swelling redness
    bruising infection pain discomfort tenderness soreness itching burning stinging tightness
    dryness flaking peeling crusting oozing pus discharge fever chills pigmentation
    hyperpigmentation hypopigmentation discoloration blotchy uneven darkening lightening filler
    toxin botulinum injection injectable cannula syringe bolus aspiration occlusion necrosis
    hyaluronidase dissolve dissolving emergency blanching mottling livedo vision ischemia ischaemia
    laser wavelength fluence pulse energy heat thermal cooling ice compress cold warm temperature
    radiofrequency ultrasound microcurrent plasma light therapy led infrared photodynamic face
    facial cheek cheeks forehead chin jaw jawline neck lips lip nose temple temples eyes eyelid
    periorbital perioral decolletage scalp hairline hands body abdomen thighs
    """
)

COMMON_WORDS = _words(
    """
    the of and to in is it that for on with as was be at by this have from or one had not but what
    all were when we there can an your which their said if do will each about how up out them then
    she many some so these would other into has more her two like him see time could no make than
    first been its who now people my made over did down only way find use may water long little very
    after words called just where most know get through back much before go good new write our used
    me man too any day same right look think also around another came come work three word must
    because does part even place well such here take why things help put years different away again
    off went old number great tell men say small every found still between name should home big give
    air line set own under read last never us left end along while might next sound below saw
    something thought both few those always looked show large often together asked house world going
    want school important until form food keep children feet land side without boy once animals life
    enough took sometimes four head above kind began almost live page got earth need far hand high
    year mother light parts country father let night following picture being study second eyes soon
    times story boys since white days ever paper hard near sentence better best across during today
    others however sure means knew try told young miles sun ways thing whole hear example heard
    several change answer room sea against top turned learn point city play toward five using
    himself usually money seen car morning body upon family later turn move face door cut done group
    true leave color red friends easy ran stop close open seemed wind state south seem second run
    early problem carefully gentle gently slowly quickly usually rarely typically generally commonly
    frequently occasionally immediately promptly significantly slightly mildly moderately severely
    mild moderate severe minor major serious persistent prolonged temporary transient permanent
    expected unexpected normal abnormal typical unusual common rare increase increased increasing
    decrease decreased reduce reduced reducing minimise minimize avoid avoiding apply applying
    applied use wash rinse pat dry cleanse protect protection prevent prevention preventing monitor
    monitoring observe check contact call seek consult report describe explain advise recommend
    recommended suggested required necessary essential crucial vital helpful beneficial safe safety
    unsafe careful proper properly adequate adequately thorough thoroughly appropriate correct
    correctly incorrect improper poor good excellent better worse worsening improving resolve
    resolved resolving fade fading settle settling subside subsiding persist persisting remain
    remaining continue continuing develop developing occur occurring appear appearing spread
    spreading intensify intensifies worsen worsens patient patients client clients individual
    individuals person adult adults teenager elderly professional qualified trained experienced
    licensed registered certified specialist expert team standard guideline guidance instructions
    information advice plan planning schedule timing interval level levels amount dose dosage
    concentration strength percentage layer layers surface deep deeper superficial shallow thin
    thick small tiny large area areas zone region site sites spot spots patch patches line lines
    mark marks dot dots point points edge edges border centre center side sides response responses
    reaction process stage stages period duration onset start beginning end ending factor factors
    cause causes reason reasons trigger triggers source sources condition conditions history record
    records photo photos image images documentation consent form forms questionnaire product
    products ingredient ingredients formula formulation brand option options alternative choice cost
    price budget value quality standard premium basic advanced modern innovative popular effective
    efficacy evidence study studies research trial trials data review reviews source literature
    journal
    """
)

TAGS = _words(
    """
    redness bruising infection swelling pain pigmentation scarring allergy herpes acne sun-
    protection hygiene sterile needle-depth consultation aftercare skincare filler toxin laser peel
    microneedling prp downtime emergency warning-signs healing hydration sensitive-skin dark-skin
    eyes lips face body
    """
)

SENTENCE_TEMPLATES = [
    "{Adv} {noun} after {procedure} {verb} within {n} {unit}.",
    "Patients should {action} for at least {n} {unit} after {procedure}.",
    "{Complication} may indicate {cause} and should be {checked} by a qualified practitioner.",
    "Minor {complication} is generally harmless and fades {adv} without treatment.",
    "If {complication} persists beyond {n} hours or intensifies, contact your practitioner.",
    "Use {product} on the {area} to support healing and reduce {complication}.",
    "Avoid {product} until the skin has fully healed, typically within one week.",
    "Proper needle depth and sterile equipment reduce the risk of {complication}.",
    "Signs of infection include increased swelling, pus formation or fever.",
    "Sun exposure immediately following {procedure} can worsen {complication}.",
]
