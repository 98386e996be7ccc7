"""The sources behind every default number of :mod:`anagen.therapy`.

Each entry is keyed by the tag used in the package data and docstrings (``T``-tags follow the
project's therapy reference; ``C``-tags are the comparator meta-analyses and trials). Grades:
**A** peer-reviewed paper, registry or regulator; **B** review or trade press quoted
second-hand, preprint; **C** clinic page, blog or price guide (ranges and sanity checks only).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SOURCES", "Source", "cite"]


@dataclass(frozen=True, slots=True)
class Source:
    """One cited source: a short citation, where it can be read, and its evidence grade."""

    tag: str
    citation: str
    url: str
    grade: str

    def short(self) -> str:
        """``'[T17] STYLE trial abstract (Aronowitz et al.)'``-style one-liner."""
        return f"[{self.tag}] {self.citation}"


_RAW: tuple[tuple[str, str, str, str], ...] = (
    (
        "PROP22",
        "PROPECIA (finasteride) 1 mg tablets, US prescribing information (Organon, revised 8/2022; NDA 020788): indications (men only, not indicated in women), contraindications (pregnancy), warnings (handling by women who are or may be pregnant, PSA, high-grade prostate cancer), adverse reactions (12-month trials, 945 vs 934 men; postmarketing reports)",
        "https://www.accessdata.fda.gov/scripts/cder/daf/index.cfm?event=overview.process&ApplNo=020788",
        "A",
    ),
    (
        "MINOX5L",
        "Minoxidil 5% topical solution for men (Minoxidil Extra Strength for Men, Roman Health Ventures), OTC Drug Facts label, openFDA set_id 03738dd6-a42c-0986-e063-6294a90a1cc0: not for use by women; warns of possible harm when used during pregnancy or breast-feeding",
        "https://api.fda.gov/drug/label.json?search=set_id:03738dd6-a42c-0986-e063-6294a90a1cc0",
        "A",
    ),
    (
        "MINOX2L",
        "Minoxidil 2% topical solution for women (CVS Pharmacy), OTC Drug Facts label, DailyMed set_id 02142c9c-8b2c-479e-8205-23d2a9c2f198: warns of possible harm when used by a woman who is pregnant or breast-feeding",
        "https://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?setid=02142c9c-8b2c-479e-8205-23d2a9c2f198",
        "A",
    ),
    (
        "BERN25",
        "Bernstein Medical, 'Hair transplants in young patients': surgery generally not advised for men under 25 with androgenetic alopecia (donor stability unknown, extent of future loss, demand may exceed donor supply)",
        "https://www.bernsteinmedical.com/hair-transplant/basics/candidacy/young-patients/",
        "C",
    ),
    (
        "KAUF98",
        "Kaufman KD, Olsen EA, Whiting D, et al. Finasteride in the treatment of men with androgenetic alopecia. J Am Acad Dermatol 1998;39(4 Pt 1):578-589 (1,553 men 18-41 y; vertex count in a 5.1 cm² circle, baseline 876 hairs; +107 hairs vs placebo at 1 year, +138 at 2 years), PMID 9777765",
        "https://pubmed.ncbi.nlm.nih.gov/9777765/",
        "A",
    ),
    (
        "T1",
        "Healeon Medical, 'BMAC vs SVF' (cell counts by source)",
        "https://www.healeonmedical.com/bmac-vs-svf",
        "C",
    ),
    (
        "T2",
        "Tsekouras A et al. SVF and ADSC yield and viability by donor site, 40 women. In Vivo 2017;31:1229",
        "https://pmc.ncbi.nlm.nih.gov/articles/PMC5756658",
        "A",
    ),
    (
        "T3",
        "SVF cell count and viability vs donor factors, 121 patients, J Plast Surg Hand Surg 2022, doi:10.1080/2000656X.2022.2097250",
        "https://medicaljournalssweden.se/JPHS/article/view/12173",
        "A",
    ),
    (
        "T4",
        "Smoking and viable SVF cells per gram (Celution), Aesthetic Plast Surg 2021;45:315, doi:10.1007/s00266-020-02008-2",
        "https://lboro-test-vufind.koha-ptfs.co.uk/PrimoRecord/cdi_proquest_miscellaneous_2452980179",
        "A",
    ),
    (
        "T5",
        "SVF yield vs age, BMI, comorbidity, 30 patients, Balkan Med J",
        "https://balkanmedicaljournal.org/abstract.php?id=2442&lang=en",
        "A",
    ),
    (
        "T6",
        "SVF yield vs BMI, 48 women (r = 0.52)",
        "https://cellstemcell.org/index.php/PSC/article/view/417",
        "B",
    ),
    (
        "T7",
        "Aronowitz JA et al. Mechanical versus enzymatic isolation of SVF cells. SpringerPlus 2015;4:713, doi:10.1186/s40064-015-1509-2",
        "http://springerplus.springeropen.com/articles/10.1186/s40064-015-1509-2",
        "A",
    ),
    (
        "T8",
        "Enzymatic vs mechanical SVF isolation from the same 40 mL aspirates, n = 35 (PMC7159941)",
        "https://pmc.ncbi.nlm.nih.gov/articles/PMC7159941",
        "A",
    ),
    (
        "T9",
        "cGMP view of collagenase-isolated SVF as more than minimally manipulated, Plast Reconstr Surg Glob Open 2016;4:e1017",
        "https://pubmed.ncbi.nlm.nih.gov/27757339/",
        "A",
    ),
    (
        "T11",
        "Automated closed-system vs manual enzymatic SVF isolation, Stem Cells Int 2015:109353",
        "https://www.hindawi.com/journals/sci/2015/109353/abs/",
        "A",
    ),
    (
        "T13",
        "Varghese J et al. Donor comorbidities and ADSC function: systematic review. Stem Cell Res Ther 2017;8:45",
        "https://pmc.ncbi.nlm.nih.gov/articles/PMC5329955",
        "A",
    ),
    (
        "T14",
        "Donor age and BMI vs SVF cell fractions, 162 patients (abstract copy)",
        "https://booksci.cn/literature_d20128_5.htm",
        "B",
    ),
    (
        "T15",
        "Kim SJ et al. Autologous SVF injection for androgenetic alopecia. Stem Cell Res Ther 2021;12:486",
        "https://pmc.ncbi.nlm.nih.gov/articles/PMC8403449",
        "A",
    ),
    (
        "T16",
        "STYLE trial (Kerastem), ClinicalTrials.gov NCT02503852, arms and enrolment",
        "https://www.clinicaltrials.gov/ct2/show/results/NCT02503852",
        "A",
    ),
    (
        "T17",
        "STYLE trial abstract (cell-enriched fat for AGA): methods, dose groups, results",
        "https://drjoelaronowitzmd.blogspot.com/2023/08/treatment-of-androgenic-alopecia-with.html",
        "B",
    ),
    (
        "T18",
        "Aesthetics Journal, 'Kerastem reports positive phase 2 trial results'",
        "https://aestheticsjournal.com/news/kerastem-reports-positive-phase-2-trial-results/",
        "C",
    ),
    (
        "T19",
        "STYLE trial NCT02503852 eligibility criteria",
        "https://trials.co/clinical-trials-details/-/NCT02503852",
        "A",
    ),
    (
        "T20",
        "STYLE trial full description (Veeva CTV)",
        "https://ctv.veeva.com/study/style-a-trial-of-cell-enriched-adipose-for-androgenetic-alopecia",
        "A",
    ),
    (
        "T23",
        "Butt G et al. SVF + PRP vs PRP for AGA. J Cosmet Dermatol 2020, doi:10.1111/jocd.13149",
        "https://zendy.io/title/10.1111/jocd.13149",
        "A",
    ),
    (
        "T27",
        "Krefft-Trzciniecka K et al. Human stem cell use in androgenetic alopecia: systematic review. Cells 2023;12:951",
        "https://pmc.ncbi.nlm.nih.gov/articles/PMC10047891",
        "A",
    ),
    (
        "T28",
        "Gasteratos K et al. Autologous stem cell-derived therapies for AGA: systematic review of RCTs. Plast Reconstr Surg Glob Open 2024;12:e5606",
        "https://ouci.dntb.gov.ua/en/works/4NBXoBj4",
        "A",
    ),
    (
        "T29",
        "Stem-cell-enriched vs conventional fat grafts, meta-analysis of 16 studies (686 subjects). Aesthetic Plast Surg 2023;47:2754",
        "https://pmc.ncbi.nlm.nih.gov/articles/PMC10784334",
        "A",
    ),
    (
        "T30",
        "Epstein & Epstein, PRP in treating hair loss, Hair Transplant Forum Int 2018;28:54",
        "https://docslib.org/doc/6708304/in-treating-hair-loss",
        "B",
    ),
    (
        "T31",
        "Gentile P et al. Autologous HF stem-cell micrografts, half-head placebo-controlled. Int J Mol Sci 2019;20:3446",
        "https://pmc.ncbi.nlm.nih.gov/articles/PMC6678214",
        "A",
    ),
    (
        "T32",
        "Gentile P et al. Micrografts, 58-week evaluator-blinded half-head study. BioMed Res Int 2020:7397162",
        "https://www.hindawi.com/journals/bmri/2020/7397162/",
        "A",
    ),
    (
        "T33",
        "Gentile P et al. HF stem cells by mechanical centrifugation, 11 men. 2017 (PMC5504091)",
        "https://pmc.ncbi.nlm.nih.gov/articles/PMC5504091",
        "A",
    ),
    (
        "T34",
        "Zari S. Autologous cellular micrografts, retrospective cohort of 140. Clin Cosmet Investig Dermatol 2021;14:1725",
        "https://proxy.weglot.com/wg_8714b7f1589aa0f6c92979708057c4a57/en/es/pubmed.ncbi.nlm.nih.gov/34824538",
        "A",
    ),
    (
        "T35",
        "Krefft-Trzciniecka K et al. Female AGA treated with HF-derived autologous cells, Biomedicines 2024;12:153",
        "https://discovery.researcher.life/article/short-term-clinical-assessment-of-treating-female-androgenetic-alopecia-with-autologous-stem-cells-derived-from-human-hair-follicles/45bcca99cd9133238631142bce9d5b9c",
        "A",
    ),
    (
        "T36",
        "Enzymatic HF dermal stem-cell preparation, 20 vs 20 patients, Hair Transplant Forum Int 35(3):88",
        "https://www.ishrs-htforum.org/content/35/3/88",
        "B",
    ),
    (
        "T37",
        "Galvez Ruiz, Rigeneracons AGA protocol update",
        "https://issuu.com/aestheticsdownunder/docs/dermatology_protocol_update/s/29777026",
        "C",
    ),
    (
        "T39b",
        "Dynamic Regen Medicine, efficiency of autologous cellular micrografts",
        "https://www.dynamicregenmedicine.co.uk/post/the-efficiency-of-autologous-cellular-micrografts-in-men-and-women-hair-loss-treatment",
        "C",
    ),
    (
        "T40",
        "Belgravia Centre, Regenera Activa (device clearance, not a hair claim)",
        "https://www.belgraviacentre.com/blog/can-you-tell-me-about-regenera-activa-hair-loss-treatment",
        "C",
    ),
    (
        "T41",
        "Terra Medical, Regenera Activa scalp therapy",
        "https://terramedical.sg/solutions/regenera-activa-scalp-therapy/",
        "C",
    ),
    (
        "T44",
        "Elmaadawi IH et al. Stem cell therapy for resistant alopecia areata and AGA. J Dermatolog Treat 2018;29:431",
        "https://blog.healthcert.com/2018/10/04/stem-cells-treatment-alopecia/",
        "A",
    ),
    (
        "T45",
        "Bone-marrow aspirate concentrate for osteonecrosis, Table 2. BMC Res Notes 2018, doi:10.1186/s13104-018-3949-6",
        "https://bmcresnotes.biomedcentral.com/articles/10.1186/s13104-018-3949-6/tables/2",
        "A",
    ),
    (
        "T48",
        "Growth factors in fresh vs freeze-dried hypoxic ASC conditioned medium (ELISA), Bali Med J",
        "https://balimedicaljournal.ejournals.ca/index.php/bmj/article/view/2588",
        "A",
    ),
    (
        "T48b",
        "Bone-marrow filtration study, volumes collected per volunteer, Table 1. J Transl Med 2019, doi:10.1186/s12967-019-02131-y",
        "https://translational-medicine.biomedcentral.com/articles/10.1186/s12967-019-02131-y/tables/1",
        "A",
    ),
    (
        "T49",
        "Park BS et al. 2010, hypoxia-enhanced ADSC-CM hair growth (summary)",
        "https://tressless.com/research/hair-growth-stimulated-by-adsc-cm-enhanced-by-hypoxia-pXr2",
        "C",
    ),
    (
        "T50",
        "Fukuoka H, Suga H. Hair regeneration therapy using proteins secreted by ADSC. Am J Cosmet Surg 2012;29:273",
        "http://doczz.net/doc/728890/the-latest-advance-in-hair-regeneration-therapy-using-pro...",
        "A",
    ),
    (
        "T52",
        "ADSC-CM + minoxidil half-scalp RCT (NCT05296863), Stem Cell Res Ther 2023, doi:10.1186/s13287-023-03440-2",
        "https://stemcellres.biomedcentral.com/articles/10.1186/s13287-023-03440-2",
        "A",
    ),
    (
        "T53",
        "Tak YJ et al. Topical ADSC extract, randomized double-blind vehicle-controlled. Stem Cells Transl Med 2020",
        "https://ichgcp.net/ru/clinical-trials-registry/publications/49158-a-randomized-double-blind-vehicle-controlled-clinical-study-of-hair-regeneration-using-adipose",
        "A",
    ),
    (
        "T55",
        "Lion Heart Health, AAPE clinic account (3-4 mL monthly, 6-8 sessions)",
        "https://haircell.lionhearthealthstim.com/a-new-hair-loss-treatment-might-be-a-game-changer/",
        "C",
    ),
    (
        "T57",
        "Foreskin-MSC exosomes in 30 men with AGA. Aesthetic Plast Surg 2024, doi:10.1007/s00266-024-04332-3",
        "https://link.springer.com/article/10.1007/s00266-024-04332-3",
        "A",
    ),
    (
        "T58",
        "MSC exosomes in 8 men, intradermal every 4 weeks for 24 weeks (preprint, Research Square rs-6938290)",
        "https://sciety.org/articles/activity/10.21203/rs.3.rs-6938290/v1",
        "B",
    ),
    (
        "T60",
        "Growth-factor roles in the hair follicle, Table 1 (PMC5806188)",
        "https://pmc.ncbi.nlm.nih.gov/articles/PMC5806188/table/T1",
        "A",
    ),
    (
        "T61",
        "PRP protocol summary (5-7 mL/session, 0.05-0.1 mL/cm2, 1 cm grid, 2-4 mm)",
        "https://www.droracle.ai/articles/790033/what-is-the-recommended-protocol-for-platelet-rich-plasma-prp",
        "C",
    ),
    (
        "T63",
        "MedEsthetics, PRP for hair loss (Sasaki technique: 0.1 mL per site, ~1 cm apart)",
        "https://www.medestheticsmag.com/prp-hair-loss?page=3",
        "C",
    ),
    (
        "T69",
        "Donovan Medical, normal scalp hair density (165-220 hairs/cm2, 87-120 FU/cm2)",
        "https://donovanmedical.com/hair-blog/2016/1/9/is-there-such-thing-as-normal-scalp-hair-density",
        "C",
    ),
    (
        "T70",
        "Bernstein/Rassman Balding Blog (~50,000 FU per scalp, ~2.2 hairs per FU)",
        "https://baldingblog.com/page/171",
        "C",
    ),
    (
        "T72",
        "Egger A, Tomic-Canic M, Tosti A. Advances in stem cell-based therapy for hair loss. CellR4 2020",
        "https://clevelandohioweatherforecast.com/php-proxy/index.php?q=https%3A%2F%2Fwww.scribd.com%2Fdocument%2F756829093%2FAdvances-in-Stem-Cell-Based-Therapy-for-Hair-Loss",
        "A",
    ),
    (
        "T73",
        "Davis Hair Restoration, exosome costs and side effects (2022)",
        "http://davishairrestoration.com/2022/03/09/4-reasons-why-you-should-avoid-exosomes-for-hair-loss/",
        "C",
    ),
    (
        "T74",
        "Wimpole Clinic, PRP hair treatment side effects",
        "https://wimpoleclinic.com/blog/prp-hair-treatment-side-effects",
        "C",
    ),
    (
        "T75",
        "Pima Dermatology, PRP contraindications and aftercare",
        "https://pimaderm.com/platelet-rich-plasma-prp-therapy-for-hair-loss/",
        "C",
    ),
    (
        "T76",
        "Cape Town Plastic Surgery, recovery after fat grafting",
        "https://www.capetownplasticsurgery.co.za/faq-items/what-can-i-expect-after-fat-grafting/",
        "C",
    ),
    (
        "T77",
        "ECS, fat transfer recovery time",
        "http://www.ecsmanagement.co/index.php?page=en-fat-transfer",
        "C",
    ),
    (
        "T79",
        "Dr Serkan Aygin, exosome hair treatment summary",
        "https://www.drserkanaygin.com/hair-loss/treatments/exosome/",
        "C",
    ),
    (
        "T83",
        "Clinique DC, PRP contraindications",
        "https://www.cliniquedc.com/en/blog/prp-contraindications",
        "C",
    ),
    (
        "T84",
        "New Roots Hair Transplant, PRP risks",
        "https://newrootshairtransplant.com/bangladesh/prp.php",
        "C",
    ),
    (
        "T85",
        "PRF matrix with follicular-unit transplantation, participants and exclusions (PMC5104307)",
        "https://pmc.ncbi.nlm.nih.gov/articles/PMC5104307/",
        "A",
    ),
    (
        "T86",
        "MyHairline, stem-cell hair therapy options and prices",
        "https://www.myhairline.ai/blog/hair-loss-tracking-stem-cell-therapy",
        "C",
    ),
    (
        "T88",
        "Hair Restoration Tour, exosomes cost and sessions",
        "https://hairrestorationtour.com/exosomes-for-hair-loss/",
        "C",
    ),
    (
        "T89",
        "MyHairline, PRP therapy guide (price, loading and maintenance sessions)",
        "https://www.myhairline.ai/blog/prp-therapy-guide-overview",
        "C",
    ),
    (
        "T93",
        "Hair Transplant Guide, transplant costs ($8-15 per graft, ~1,500 grafts)",
        "https://www.hair-transplant-guide.com/hair-transplant-costs",
        "C",
    ),
    (
        "T102",
        "ISHRS 2025 practice census summary (grafts per session, membership)",
        "https://www.advancedhair.com/learn/hair-restoration-statistics-ishrs",
        "B",
    ),
    (
        "T104",
        "Puri, finasteride vs minoxidil (generic finasteride $15-35 per month)",
        "https://puri.pro/compare/finasteride-vs-minoxidil",
        "C",
    ),
    (
        "T105",
        "Druggist, finasteride vs minoxidil availability and cost",
        "https://druggist.online/finasteride-vs-minoxidil/",
        "C",
    ),
    (
        "T107",
        "Advanced Hair Restoration, hair restoration cost in 2015 (non-surgical)",
        "http://advancedhairrestoration.com/blog/349/what-is-the-hair-restoration-cost-in-2015",
        "C",
    ),
    (
        "T108",
        "Amaranthine Collective, laser caps: cost, evidence, FDA status",
        "https://www.theamaranthinecollective.com/blog/laser-led-hair-growth-caps-cost-evidence",
        "C",
    ),
    (
        "T109",
        "Alpha Men Hair, laser cap brands compared",
        "https://alphamenhair.com/blogs/news/laser-cap-brands-compared",
        "C",
    ),
    (
        "T111",
        "Lueangarun S et al. FDA-cleared home-use LLLT devices: meta-analysis. J Clin Aesthet Dermatol 2021;14:E64",
        "https://pmc.ncbi.nlm.nih.gov/articles/PMC8675345",
        "A",
    ),
    (
        "T112",
        "US FDA, Important patient and consumer information about regenerative medicine therapies (3 June 2021)",
        "https://www.fda.gov/vaccines-blood-biologics/consumers-biologics/important-patient-and-consumer-information-about-regenerative-medicine-therapies",
        "A",
    ),
    (
        "T113",
        "Bernstein Medical, stem-cell therapy page quoting the FDA consumer alert",
        "https://www.bernsteinmedical.com/medical-treatment/stem-cell-therapy/",
        "B",
    ),
    (
        "T114",
        "California Hair Surgeon, FDA stem cell update",
        "https://californiahairsurgeon.com/news/fda-stem-cell-update/",
        "C",
    ),
    (
        "T118",
        "RAPS, EMA warns against unapproved cell therapies (28 April 2020)",
        "https://www.raps.org/news-and-articles/news-articles/2020/4/ema-warns-against-unapproved-cell-therapies",
        "B",
    ),
    (
        "T120",
        "AABB, EU warns against unregulated advanced therapy products (18 March 2025)",
        "https://www.aabb.org/news-resources/news/article/2025/03/18/eu-warns-against-unregulated-advanced-therapy-products",
        "B",
    ),
    (
        "T121",
        "EMA/CAT classification of autologous SVF + expanded ADSC as an ATMP, EMA/693827/2016",
        "https://p.pdfkul.com/human-autologous-stromal-vascular-fraction-cells-and-human-_59bf89851723dd9b4393e090.html",
        "A",
    ),
    (
        "T123",
        "ISHRS, 'Do you know who is operating on you?'",
        "https://fightthefight.ishrs.org/do-you-know-who-is-operating-on-you/",
        "B",
    ),
    (
        "T124",
        "Hairman, what the best hair restoration doctors do (ABHRS)",
        "https://www.hairman.com/what-the-best-hair-restoration-doctors-do/",
        "C",
    ),
    (
        "T127",
        "ISSCR patient handbook, questions to ask (A Closer Look at Stem Cells)",
        "http://www.closerlookatstemcells.org/What_to_Ask.html",
        "B",
    ),
    (
        "T129",
        "Colgrove, stem cell therapy for hair loss FAQ",
        "https://www.colgrove.com/stem-cell-therapy-for-hair-loss-faq/",
        "C",
    ),
    ("T139", "Avoria, stem cell therapy FAQ", "https://avoria.ae/stem-cell-therapy/", "C"),
    (
        "DSC20",
        "Tsuboi R et al. Autologous dermal sheath cup cells, randomized placebo-controlled dose-finding study. J Am Acad Dermatol 2020; UMIN000023343",
        "em-consulte.com abstract (no stable URL stored); registry UMIN000023343",
        "A",
    ),
    (
        "KUKA20",
        "Kuka G, Epstein J, Aronowitz J, et al. Cell enriched autologous fat grafts to follicular niche improves hair regrowth in early androgenetic alopecia. Aesthet Surg J 2020;40(6):NP328-NP339 (curated rows S30-S31)",
        "http://www.puppy-med.com/xunxi/7031.html",
        "A",
    ),
    (
        "GEN19",
        "Gentile P, et al. Autologous micrografts containing hair follicle stem cells in AGA. Int J Mol Sci 2019;20:3446, doi:10.3390/ijms20143446 (curated rows S03-S04)",
        "https://pmc.ncbi.nlm.nih.gov/articles/PMC6678214",
        "A",
    ),
    (
        "PRICE99",
        "Price VH, Menefee E, Strauss PC. Changes in hair weight and hair count in men with AGA after 5% and 2% topical minoxidil, placebo, or no treatment. J Am Acad Dermatol 1999;41:717-721 (PMID 10534633): counts back to placebo levels 24 weeks after stopping at week 96",
        "https://pubmed.ncbi.nlm.nih.gov/10534633/",
        "A",
    ),
    (
        "PRICE06",
        "Price VH, et al. Changes in hair weight in men with AGA after finasteride 1 mg daily: three- and 4-year results. J Am Acad Dermatol 2006;55:71-74 (PMID 16781295): week 192 hair count finasteride +7.2 %, placebo -13.0 % from baseline",
        "https://www.unboundmedicine.com/medline/citation/16781295",
        "A",
    ),
    (
        "C1",
        "Kieling L, Konzen AT, Zanella RK, Valente DS. Is autologous PRP capable of increasing hair density in AGA? Meta-analysis of RCTs. An Bras Dermatol 2024;99(6):847-862",
        "https://clinics.elsevier.es/pt-is-autologous-platelet-rich-plasma-capable-articulo-S0365059624001363",
        "A",
    ),
    (
        "C2",
        "van Zuuren EJ, Fedorowicz Z, Schoones J. Interventions for female pattern hair loss. Cochrane Database Syst Rev 2016;CD007628, doi:10.1002/14651858.CD007628.pub4",
        "https://doi.org/10.1002/14651858.CD007628.pub4",
        "A",
    ),
    (
        "C3",
        "Mella JM, Perret MC, Manzotti M, Catalano HN, Guyatt G. Efficacy and safety of finasteride therapy for AGA: a systematic review. Arch Dermatol 2010;146(10):1141-1150, doi:10.1001/archdermatol.2010.256, PMID 20956649",
        "https://doi.org/10.1001/archdermatol.2010.256",
        "A",
    ),
    (
        "C4",
        "Suchonwanit P, Thammarucha S, Leerunyakul K. Minoxidil and its use in hair disorders: a review. Drug Des Devel Ther 2019;13:2777-2786 (Tables 2-3: Olsen 2002, Lucky 2004)",
        "https://pmc.ncbi.nlm.nih.gov/articles/PMC6691938",
        "A",
    ),
    (
        "S19",
        "The higher number and longer duration of kenogen hair follicles (finasteride, 43 men, 2.5 years). Skin Appendage Disord 5(3):152",
        "https://karger.com/sad/article-abstract/5/3/152/291529/The-Higher-Number-and-Longer-Duration-of-Kenogen",
        "A",
    ),
    (
        "S68",
        "Van Neste D. Regrowth mainly reactivates resting/dormant follicles. Plast Aesthet Res 2021;8:16",
        "https://parjournal.net/article/view/3947",
        "A",
    ),
    (
        "WHIT99",
        "Whiting DA, Waldstreicher J, Sanchez M, Kaufman KD. Measuring reversal of hair miniaturization in AGA by follicular counts in horizontal sections of serial scalp biopsies: results of finasteride 1 mg treatment of men and postmenopausal women. J Investig Dermatol Symp Proc 1999;4(3):282-284 (PMID 10674382): men, 12 months, terminal hairs 15.5 -> 20.9 on finasteride vs 17.3 -> 18.3 on placebo, miniaturised hairs 26.7 -> 23.6 vs 21.3 -> 20.3; no difference in postmenopausal women",
        "https://pubmed.ncbi.nlm.nih.gov/10674382/",
        "A",
    ),
    (
        "MESS04",
        "Messenger AG, Rundegren J. Minoxidil: mechanisms of action on hair growth. Br J Dermatol 2004;150(2):186-194 (PMID 14996087): shortens telogen (premature anagen entry), may prolong anagen, and increases hair follicle size (macaque histology)",
        "https://pubmed.ncbi.nlm.nih.gov/14996087/",
        "A",
    ),
    (
        "ROG",
        "Men's Rogaine (topical minoxidil) patient drug information, Pocketpills: 'shedding of hair may occur within 2 to 6 weeks of starting to use this product'",
        "https://pocketpills.com/drug/mens-rogaine",
        "C",
    ),
    (
        "KAUF02",
        "The Finasteride Male Pattern Hair Loss Study Group. Long-term (5-year) multinational experience with finasteride 1 mg in the treatment of men with androgenetic alopecia. Eur J Dermatol 2002;12(1):38-49, PMID 11809594 (the 1,553 men of [KAUF98], 1,215 in up to four 1-year placebo-controlled extensions: durable improvement over five years, p <= 0.001 vs placebo on all endpoints, progressive loss on placebo; no counts in the abstract)",
        "http://www.jle.com/en/revues/ejd/e-docs/long_term_5_year_multinational_experience_with_finasteride_1_mg_in_the_treatment_of_men_with_androgenetic_alopecia_100606/article.phtml",
        "A",
    ),
    (
        "MERCK01",
        "Merck & Co. press release (PRNewswire, 15 March 2001) on the five-year finasteride data presented at the 59th AAD meeting: a difference of 277 hairs in the 1-inch (5.1 cm²) vertex circle in favour of finasteride (219 men) vs placebo (15 men), baseline 876 hairs",
        "http://www.hairsave.com/propecia_studies.htm",
        "B",
    ),
    (
        "KAUF08",
        "Kaufman KD, Girman CJ, Round EM, et al. Progression of hair loss in men with androgenetic alopecia (male pattern hair loss): long-term (5-year) controlled observational data in placebo-treated patients. Eur J Dermatol 2008;18(4):407-411 (PMID 18573713): placebo arms of two replicate finasteride trials lost 239 hairs from baseline in the target area at 5 years (26.3 % decline)",
        "https://pubmed.ncbi.nlm.nih.gov/18573713/",
        "A",
    ),
    (
        "WHIT03",
        "Whiting DA, Olsen EA, Savin R, et al. Efficacy and tolerability of finasteride 1 mg in men aged 41 to 60 years with male pattern hair loss. Eur J Dermatol 2003;13(2):150-160, PMID 12695131 (424 men aged 41-60, mild-to-moderate, predominantly vertex loss; 24 months)",
        "https://pubmed.ncbi.nlm.nih.gov/12695131/",
        "A",
    ),
    (
        "OLS02",
        "Olsen EA, Dunlap FE, Funicella T, et al. A randomized clinical trial of 5% topical minoxidil versus 2% topical minoxidil and placebo in the treatment of androgenetic alopecia in men. J Am Acad Dermatol 2002;47(3):377-385 (393 men aged 18-49; 48 weeks)",
        "https://www.jaad.org/article/S0190-9622(02)00124-X/pdf",
        "A",
    ),
    (
        "OLS07",
        "Olsen EA, Whiting D, Bergfeld W, et al. A multicenter, randomized, placebo-controlled, double-blind clinical trial of a novel formulation of 5% minoxidil topical foam versus placebo in the treatment of androgenetic alopecia in men. J Am Acad Dermatol 2007;57(5):767-774, PMID 17761356 (352 men aged 18-49; 16 weeks; no stages in the abstract)",
        "https://pubmed.ncbi.nlm.nih.gov/17761356/",
        "A",
    ),
    (
        "BERG03",
        "Berger RS, Fu JL, Smiles KA, et al. The effects of minoxidil, 1% pyrithione zinc and a combination of both on hair density: a randomized controlled trial. Br J Dermatol 2003;149(2):354-362, PMID 12932243 (200 men aged 18-49 with Hamilton-Norwood type III vertex or type IV baldness; 26 weeks)",
        "https://pubmed.ncbi.nlm.nih.gov/12932243/",
        "A",
    ),
    (
        "LUCK04",
        "Lucky AW, Piacquadio DJ, Ditre CM, et al. A randomized, placebo-controlled trial of 5% and 2% topical minoxidil solutions in the treatment of female pattern hair loss. J Am Acad Dermatol 2004;50(4):541-553 (381 women aged 18-49; 48 weeks)",
        "https://utsouthwestern.elsevierpure.com/en/publications/a-randomized-placebo-controlled-trial-of-5-and-2-topical-minoxidi",
        "A",
    ),
    (
        "JIM14",
        "Jimenez JJ, Wikramanayake TC, Bergfeld W, et al. Efficacy and safety of a low-level laser device in the treatment of male and female pattern hair loss: a multicenter, randomized, sham device-controlled, double-blind study. Am J Clin Dermatol 2014;15(2):115-127, doi:10.1007/s40257-013-0060-6, PMID 24474647 (men Norwood-Hamilton IIa-V and women Ludwig I-4, II-1, II-2 or frontal, aged 25-60; 26 weeks)",
        "https://pmc.ncbi.nlm.nih.gov/articles/PMC3986893",
        "A",
    ),
    (
        "HU15",
        "Hu R, Xu F, Sheng Y, et al. Combined treatment with oral finasteride and topical minoxidil in male androgenetic alopecia: a randomized and comparative study in Chinese patients. Dermatol Ther 2015;28(5):303-308, doi:10.1111/dth.12246 (450 men, 12 months; improved: combination 94.1%, finasteride 80.5%, 5% minoxidil 59%)",
        "https://doi.org/10.1111/dth.12246",
        "A",
    ),
    (
        "CHEN20",
        "Chen L, Zhang J, Wang L, Wang H, Chen B. The efficacy and safety of finasteride combined with topical minoxidil for androgenetic alopecia: a systematic review and meta-analysis. Aesthetic Plast Surg 2020;44(3):962-970, PMID 32166351 (5 RCTs: better global photographic scores with the combination, no significant difference in hair density change vs either drug alone)",
        "https://pubmed.ncbi.nlm.nih.gov/32166351/",
        "A",
    ),
    (
        "LI25",
        "Li Y, Huang Q, Zhou Z, Zhang Y. Comparing minoxidil-finasteride mixed solution with minoxidil solution alone for male androgenetic alopecia: a systematic review and meta-analysis of randomized controlled trials. Front Med 2025;12:1632139, doi:10.3389/fmed.2025.1632139, PMID 41127390 (7 RCTs, 396 men: hair density +9.22 hairs/cm² with finasteride added, p = 0.04)",
        "https://pubmed.ncbi.nlm.nih.gov/41127390/",
        "A",
    ),
    (
        "S22",
        "Finasteride 1 mg increases anagen hair in men with AGA, 212 men, 48 weeks (abstract)",
        "https://miami.pure.elsevier.com/en/publications/finasteride-increases-anagen-hair-in-men-with-androgenetic-alopec",
        "A",
    ),
)

#: All sources, by tag.
SOURCES: dict[str, Source] = {tag: Source(tag, cit, url, grade) for tag, cit, url, grade in _RAW}


def cite(*tags: str) -> str:
    """``'[T7][T8]'`` for the given tags; raises ``KeyError`` for a tag that is not listed."""
    for tag in tags:
        if tag not in SOURCES:
            raise KeyError(f"unknown source tag {tag!r}")
    return "".join(f"[{t}]" for t in tags)
