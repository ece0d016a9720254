"""The default (rules) backend on the failure classes of issue 11, one invented fixture each
(never paper text): descriptive values, names outside the vocabulary, statements that are not
about this study, over-broad aliases, code links stated without "code"."""
from __future__ import annotations

import pytest

from test_rules import run

# --- descriptive values: the phrase as stated, not only a vocabulary word -----------------------


def test_split_with_percentages_after_each_set():
    out = run("The plots were randomly divided into a training set (60%), a validation set (20%), "
              "and a testing set (20%).", "data")
    assert "60/20/20" in out.get("data_split", [])


def test_split_percentages_after_sets_named_without_a_set_noun():
    out = run("The cleaned records were divided into training (80%), validation (10%), and test "
              "sets (10%).", "data")
    assert "80/10/10" in out.get("data_split", [])
    out = run("The images were split in two sections (the training section which represents "
              "about 70% and the testing section which is about 30%).", "data")
    assert "70/30" in out.get("data_split", [])
    assert "data_split" not in run("Training took 70% of the time while the test run took 30% "
                                   "of it.", "data")


def test_counts_that_are_not_the_training_length_are_no_settings():
    for text in ["The detector had almost no gain in mAP at 9 epochs.",
                 "The patience parameter is set at 10 epochs for every phase.",
                 "The weights were saved every 10,000 iterations during training.",
                 "We trained for 20 epochs with 500 steps each.",
                 "The base learning rate was 0.005 (30/3 epochs)."]:
        values = run(text, "training").get("hyperparameters", [])
        assert not any(v.startswith(("epochs = 9", "epochs = 10", "iterations =", "steps =",
                                     "epochs = 3")) for v in values), (text, values)
    assert "epochs = 20" in run("We trained for 20 epochs with 500 steps each.",
                                "training")["hyperparameters"]


def test_counts_of_model_parts_are_hyperparameters():
    out = run("We trained a random forest in which the number of trees was set to 500 and the "
              "maximum depth was 12.", "training")
    assert {"number of trees = 500", "maximum depth = 12"} <= set(out["hyperparameters"])
    out = run("The perceptron we trained had 2 hidden layers of 60 neurons each.", "training")
    assert {"hidden layers = 2", "neurons = 60"} <= set(out["hyperparameters"])


def test_thousands_and_powers_of_ten_stay_whole():
    out = run("The detector was trained for 22,000 iterations with a weight decay of 10−6.",
              "training")
    assert "iterations = 22,000" in out["hyperparameters"]
    assert "iterations = 000" not in out["hyperparameters"]
    assert "weight decay = 1e-6" in out["hyperparameters"]
    assert "weight decay = 10" not in out["hyperparameters"]


# --- names outside the vocabulary --------------------------------------------------------------


def test_a_variant_named_by_a_prefix_on_a_known_model_is_that_variant():
    out = run("The proposed KNO-LSTM model was compared with a 1D-CNN and a Bi-LSTM.", "model")
    assert set(out["model_architecture"]) == {"KNO-LSTM", "1D-CNN", "Bi-LSTM"}
    # a one-letter prefix is part of a vocabulary name, and "-based" is no variant
    assert run("We trained Mask R-CNN on the plots.", "model")["model_architecture"] == [
        "Mask R-CNN"]
    assert run("We trained a CNN-based detector on the plots.",
               "model")["model_architecture"] == ["CNN"]


def test_gpu_model_named_before_gpu():
    out = run("All models were trained on an NVIDIA A10G GPU with 24 GB of memory.")
    assert out.get("hardware") == ["NVIDIA A10G"]
    assert run("Training took two days on a T4 GPU that we rented.").get("hardware") == ["T4"]


@pytest.mark.parametrize("text, name", [
    ("We propose AMDCN, a dilated network that we trained on the crowd images.", "AMDCN"),
    ("Our network, DenseFishNet, was trained with the Adam optimizer.", "DenseFishNet"),
])
def test_the_studys_own_model_name(text, name):
    assert name in run(text).get("model_architecture", [])


@pytest.mark.parametrize("text, name", [
    ("We fine-tuned Qwen2.5-7B with low-rank adapters on the labelled abstracts.", "Qwen2.5-7B"),
    ("Every sequence was embedded with the ESM2 protein language model we downloaded.", "ESM2"),
    ("A ProtT5 encoder was used to embed the sequences of each family.", "ProtT5"),
])
def test_named_models_with_a_digit_outside_the_vocabulary(text, name):
    assert name in run(text).get("model_architecture", [])


def test_names_listed_beside_a_known_model_are_models():
    out = run("We fine-tuned ESM2, ProtT5 and Ankh on the labelled families.", "model")
    assert out["model_architecture"] == ["ESM2", "ProtT5", "Ankh"]
    out = run("The forecasts were compared with four baselines (ARIMA, Holt, ETS, and TBATS), "
              "and with an LSTM.", "model")
    assert {"Holt", "ETS", "TBATS"} <= set(out["model_architecture"])
    out = run("We compared Support Vector Machines, Deep Neural Networks and Random Forests on "
              "the plots.", "model")
    assert "Deep Neural Networks" in out["model_architecture"]


@pytest.mark.parametrize("text, wrong", [
    # a pointer into the paper, a citation of its own, a keyword line, another field's value,
    # words glued by the PDF, a name longer than a name
    ("As Figure 3b, MLP 1 and ResNet-50 show, the plots differ.", "3b"),
    ("Mask R-CNN joins Faster R-CNN and FCN [19] with a mask branch we trained.", "FCN"),
    ("Keywords: Coleoptera, convolutional neural network, domain adaptation", "Coleoptera"),
    ("We trained ResNet-50 and Adam in PyTorch on the plots.", "Adam"),
    ("We compared the ResNet-50 andSwinT models on the plots.", "andSwinT"),
    ("We trained ResNet-50 and The Very Large Forest Model Family on the plots.", "The Very"),
    ("We compared ResNet-50 and IJKLM3NOPQMRNP on the plots.", "IJKLM3NOPQMRNP"),
])
def test_list_members_that_are_no_models(text, wrong):
    values = run(text, "model").get("model_architecture", [])
    assert not any(wrong in v for v in values), values


def test_hyphenated_gpu_named_before_gpus():
    assert run("The detector was trained on two TITAN-X GPUs.", "software").get(
        "hardware") == ["TITAN-X"]
    assert "hardware" not in run("Each COVID-19 GPU job was logged by the scheduler.",
                                 "software")


def test_rf_is_random_forest_in_capitals_only():
    assert run("We compared kNN, SVM and RF on the plots.", "model")["model_architecture"] == [
        "k-nearest neighbours", "Support vector machine", "Random forest"]
    assert "model_architecture" not in run("The rf signal was logged by the receiver we built.",
                                           "model")


def test_the_second_word_of_a_known_name_is_no_model():
    out = run("We trained the Inception V3 model on the labelled images.")
    assert "V3" not in out.get("model_architecture", [])


def test_a_lower_case_or_common_word_is_no_model_name():
    out = run("We propose a simple pipeline that we trained on the crowd images.")
    assert "model_architecture" not in out


# --- statements that are not about this study --------------------------------------------------


@pytest.mark.parametrize("text, field", [
    ("Random horizontal flips were not applied because orientation matters here.",
     "augmentation"),
    ("Future work could apply data augmentation with random crops to the spectrograms.",
     "augmentation"),
    ("In the future it may be a good idea to perform data augmentation on the images.",
     "augmentation"),
    ("Smith et al. [8] used ResNet-50 to classify the camera trap images of deer.",
     "model_architecture"),
    ("DeepLab has used dilated convolutions [8] to enlarge the receptive field of a CNN.",
     "model_architecture"),
    # the shared statement filter's cues of future work hold for the rules too
    ("Spatial cross-validation of such models is a question requiring further research.",
     "generalizability"),
    ("This opens the possibility to add random rotations to the training images.",
     "augmentation"),
    ("The classifier might even run on a Raspberry Pi mounted in the field.",
     "deployment_platform"),
    # examples of a kind, in a sentence that says nothing of this study
    ("Variance reduction strategies such as stratified sampling give better estimators.",
     "data_split"),
    ("Deep architectures such as AlexNet and GoogLeNet are proposed for plant disease "
     "classification.", "model_architecture"),
])
def test_negated_hypothetical_and_cited_statements_give_nothing(text, field):
    assert field not in run(text)


def test_own_statement_citing_its_tool_stays():
    out = run("We implemented the detector in PyTorch [12] and trained ResNet-50 on our images.")
    assert "ResNet-50" in out["model_architecture"]
    assert "PyTorch" in out["frameworks"]


# --- over-broad aliases ------------------------------------------------------------------------


def test_chemical_formula_is_no_framework():
    assert "frameworks" not in run("The solvent was CH3CN in H20 at a ratio that was kept "
                                   "constant during the runs.")


def test_precision_recall_auc_is_one_metric():
    out = run("We evaluated the classifier with the Precision-Recall AUC on the held-out test set.")
    assert out["evaluation_metrics"] == ["PR AUC"]


# --- code links stated without "code" ---------------------------------------------------------


@pytest.mark.parametrize("text, url", [
    ("The tool we built is hosted at github.com/somelab/owl-tool and is free to use.",
     "github.com/somelab/owl-tool"),
    ("Everything we wrote is at https://github. com/somelab/owl-tool for anyone to reuse.",
     "https://github.com/somelab/owl-tool"),
    ("The counting tool is described in Section 3.\n\n1 https://github.com/somelab/owl-tool\n\n"
     "Results are shown below for each site.", "https://github.com/somelab/owl-tool"),
])
def test_code_links_without_the_word_code(text, url):
    assert run(text, "availability").get("code_repository_url") == [url]


def test_sensitivity_of_a_system_is_no_metric():
    assert "evaluation_metrics" not in run("The index was chosen for its sensitivity to rare "
                                           "categories, which we used throughout.")
    assert "evaluation_metrics" not in run("We considered the ecosystems' sensitivity and the "
                                           "resilience that were measured.")
    assert run("We reported the sensitivity and specificity of the classifier on the test "
               "set.")["evaluation_metrics"] == ["sensitivity", "specificity"]


def test_general_model_names_outside_deep_learning():
    out = run("We compared CatBoost, AdaBoost, extra trees and naïve Bayes classifiers that were "
              "trained on the same features.")
    assert {"CatBoost", "AdaBoost", "Extra Trees", "Naive Bayes"} <= set(out["model_architecture"])


# --- papers from other fields: names of NLP, protein, graph and generative models ---------------


@pytest.mark.parametrize("text, field, values", [
    ("Our proposed model, FoldMixer, outperforms the baselines on every family.",
     "model_architecture", ["FoldMixer"]),
    ("The answers were written by GPT-4o for every question we posed.", "model_architecture",
     ["GPT-4o"]),
    ("We scored every ranking with NDCG@10 and Recall@20 on the held-out queries.",
     "evaluation_metrics", ["NDCG@10", "Recall@20"]),
    ("We used the ProteinGym substitution benchmark for every assay.", "datasets",
     ["ProteinGym substitution benchmark"]),
    ("The encoder was pre-trained on UniRef50 and fine-tuned on the CATH 4.2 split.", "datasets",
     ["UniRef50", "CATH 4.2"]),
    ("We trained on our own sentences and evaluated on WikiText-103 and LAMBADA.", "datasets",
     ["WikiText-103", "LAMBADA"]),
    ("We ran each experiment with five random seeds and report the mean score.", "randomness",
     ["five random seeds"]),
    # "different" is dropped, as annotators write "five random seeds (mean reported)"
    ("Each setting was trained with five different random seeds, and we report the mean.",
     "randomness", ["five random seeds"]),
    ("For each game we run three independent seeds of every agent.", "randomness",
     ["three independent seeds"]),
])
def test_names_and_counts_of_machine_learning_papers(text, field, values):
    assert run(text).get(field) == values


@pytest.mark.parametrize("text, field, values", [
    ("We apply dropout of 0.1 and weight decay of 0.01.", "hyperparameters",
     ["dropout = 0.1", "weight decay = 0.01"]),
    ("We split the sentences into 80% training, 10% validation and 10% test.", "data_split",
     ["80/10/10"]),
    ("We train for 100k steps with a batch size of 256 and a linear warmup of 10k steps.",
     "hyperparameters", ["steps = 100k", "batch size = 256", "warmup steps = 10k"]),
])
def test_settings_as_machine_learning_papers_write_them(text, field, values):
    assert run(text).get(field) == values


@pytest.mark.parametrize("text, field, values", [
    ("All abstracts were lowercased, tokenized with SentencePiece and truncated to 512 tokens.",
     "preprocessing", ["lowercasing", "tokenization", "truncation"]),
    ("Stop words were removed and the remaining words were lemmatized with spaCy.",
     "preprocessing", ["stop word removal", "lemmatization"]),
    ("Two expert annotators labelled each sentence we sampled.", "annotation_methods",
     ["expert annotation"]),
])
def test_text_preprocessing_and_annotation_of_nlp_papers(text, field, values):
    assert run(text).get(field) == values


@pytest.mark.parametrize("text, field, values", [
    ("The EEG signals were band-pass filtered between 1 and 40 Hz and downsampled to 128 Hz.",
     "preprocessing", ["band-pass filtering", "downsampling to 128 Hz"]),
    ("Counts per cell were normalized with Scanpy before the clustering we ran.", "frameworks",
     ["Scanpy"]),
    ("We trained an SVC and a LogisticRegression model with scikit-learn.", "model_architecture",
     ["Support vector machine", "Logistic regression"]),
    ("The sentence labels were collected through Amazon Mechanical Turk.", "annotation_methods",
     ["crowdsourced annotation"]),
])
def test_signals_cells_and_estimators_of_other_fields(text, field, values):
    assert run(text).get(field) == values


def test_settings_in_pipe_tables():
    # PDF-to-Markdown converters write tables with pipes
    out = run("Setting | Value\nLearning rate | 1e-5\nBatch size | 16\nMax. epochs | 10\n"
              "Weight decay | 0.01", "training")
    assert out["hyperparameters"] == ["learning rate = 1e-5", "batch size = 16", "epochs = 10",
                                      "weight decay = 0.01"]


def test_epochs_without_improvement_are_no_training_length():
    out = run("Training ran for at most 150 epochs and stopped when the validation Dice had not "
              "improved for 15 epochs.", "training")
    # the wait is early stopping's patience, not a second training length
    assert out["hyperparameters"] == ["epochs = 150", "early stopping patience = 15 epochs"]


def test_a_library_and_the_library_built_on_it_are_two_values():
    out = run("The implementation uses PyTorch 2.1 and PyTorch Lightning 2.0 on one card.",
              "software")
    assert out["frameworks"] == ["PyTorch", "PyTorch Lightning"]
    # a network family beside its member is still one value
    assert run("We used a ResNet for the first trials and the final ResNet-50 on our images.",
               "model")["model_architecture"] == ["ResNet-50"]


def test_libraries_outside_the_vocabulary_named_as_libraries():
    out = run("Metrics were computed with the MONAI library, and the adapters came from the PEFT "
              "and NeuralHydrology libraries.", "software")
    assert out["frameworks"] == ["MONAI", "PEFT", "NeuralHydrology"]
    # a concept called a framework, and a general kind of library, name no software
    assert "frameworks" not in run("Each hyperparameter in the PBP framework has a clear "
                                   "meaning, unlike an ML library we tried.", "software")


@pytest.mark.parametrize("text, value", [
    ("Adam was used with a learning rate equal to 10−3 for every run.", "learning rate = 1e-3"),
    ("We used a learning rate of 5 × 10^-4 for the encoder.", "learning rate = 5e-4"),
    ("The weight decay was set to 5 × 10 −4 for all layers.", "weight decay = 5e-4"),
])
def test_powers_of_ten_are_written_as_annotators_write_them(text, value):
    assert value in run(text, "training")["hyperparameters"]


def test_warm_up_keeps_the_papers_spelling():
    assert "warm-up ratio = 0.06" in run("We used a warm-up ratio of 0.06 and a batch size of 16.",
                                         "training")["hyperparameters"]
    assert "warmup steps = 500" in run("Training used 500 warmup steps and a batch size of 16.",
                                       "training")["hyperparameters"]


def test_a_number_ending_the_row_above_is_no_epoch_count():
    out = run("Optimizer: AdamW\nBatch size: 64\nEpochs: 50", "training")
    assert out["hyperparameters"] == ["batch size = 64", "epochs = 50"]
    assert "evaluation_metrics" not in run("The models were served in 16-bit precision on "
                                           "four A100 GPUs.")


def test_a_range_is_no_power_of_ten():
    from extractor.backends.rules import e_notation
    assert e_notation("iterations = 10–20") == "iterations = 10–20"
    assert e_notation("batch size = 10-50") == "batch size = 10-50"


@pytest.mark.parametrize("text, tool", [
    ("The comments were labelled by three trained annotators in Label Studio.", "Label Studio"),
    ("Activity boundaries were marked by two annotators in ELAN from the video.", "ELAN"),
    ("Calls were annotated manually in Raven Pro by one of us.", "Raven Pro"),
])
def test_annotation_tools_of_text_audio_and_video(text, tool):
    assert tool in run(text, "data")["annotation_methods"]
    assert "annotation_methods" not in run("The elan of the field team was high all season.",
                                           "data")


def test_numerical_precision_is_no_metric():
    assert "evaluation_metrics" not in run("We used mixed-precision training with gradient "
                                           "checkpointing on every run.")


@pytest.mark.parametrize("text, values", [
    ("1) Kvasir-SEG contains 1,000 polyp images of varied resolution.", ["Kvasir-SEG"]),
    ("QM9 contains about 134k small organic molecules with their properties.", ["QM9"]),
    ("The detector was evaluated on VisDrone-DET and trained on our images.", ["VisDrone-DET"]),
])
def test_named_sets_described_by_their_size_or_use(text, values):
    assert run(text, "data").get("datasets") == values


@pytest.mark.parametrize("text", [
    "Table 2 contains 12 rows of scores for each site.",
    "The FourLoom network has 0.41 M parameters and trains quickly on one card.",
])
def test_sizes_of_tables_and_models_name_no_dataset(text):
    assert "datasets" not in run(text, "data")


@pytest.mark.parametrize("text", [
    "The network was trained on RGB images and tested on CPU.",
    "The classifier was trained on NDVI time series of each plot.",
    "The detector was trained on GPUs that the institute rents.",
])
def test_what_a_model_was_trained_on_is_no_dataset_unless_named(text):
    assert "datasets" not in run(text), run(text)


@pytest.mark.parametrize("text, field, values", [
    ("We fine-tuned RoBERTa and DeBERTa on the labelled sentences with the AdamW optimizer.",
     "model_architecture", {"RoBERTa", "DeBERTa"}),
    ("The summaries were scored with ROUGE-L and BLEU against the reference texts we wrote.",
     "evaluation_metrics", {"ROUGE", "BLEU"}),
    ("We report Spearman's rank correlation between predicted and measured fitness.",
     "evaluation_metrics", {"Spearman correlation"}),
    ("A graph convolutional network was trained on the molecule graphs with PyTorch Geometric.",
     "model_architecture", {"graph convolutional network"}),
    ("A graph convolutional network was trained on the molecule graphs with PyTorch Geometric.",
     "frameworks", {"PyTorch Geometric"}),
    ("Sequences were embedded with ESM-2 and the structures were predicted with AlphaFold2.",
     "model_architecture", {"ESM2", "AlphaFold"}),
    ("We trained the models on SQuAD 2.0 and evaluated them on the dev split we kept.",
     "datasets", {"SQuAD"}),
])
def test_names_from_other_fields(text, field, values):
    assert values <= set(run(text).get(field, [])), run(text)


def test_common_words_are_no_model_or_metric_names():
    out = run("We used glue and tape to fix the clip of each recorder, and the bart of the "
              "tree was measured.")
    assert not {"model_architecture", "evaluation_metrics", "datasets"} & set(out)


@pytest.mark.parametrize("text, value", [
    ('We allocated 80% of the data to training with the "caret" package in R.', "caret"),
    ("The multilayer perceptron was fitted with the package “nnet” that we loaded.", "nnet"),
])
def test_a_package_named_in_quotes(text, value):
    assert value in run(text).get("frameworks", [])


@pytest.mark.parametrize("text, value", [
    ("The network was trained on an Nvidia 2070 super GPU with 8GB of memory.", "Nvidia 2070 super"),
    ("The runs used a machine with a 3.60 GHz Xeon processor and 64 GB of RAM.", "Xeon processor"),
    ("All runs were carried out on a machine with an Intel i7 8th generation CPU and 16 GB RAM.",
     "Intel i7 8th generation CPU"),
    ("Predictions were run on a desktop PC with an Intel QuadCore CPU and a GTX 1070.",
     "Intel QuadCore CPU"),
])
def test_hardware_named_without_its_series_or_vendor(text, value):
    assert value in run(text).get("hardware", [])


@pytest.mark.parametrize("text", [
    "Jane Roe is a computational ecologist at a data centre with main interests in graph neural "
    "networks and ontologies.",
    "Her research interests include deep learning, and she has used PyTorch and ResNet-50 on "
    "NVIDIA A100 GPUs.",
    "He received the Ph.D. degree in 2015 and has used ResNet-50 and PyTorch in many projects.",
])
def test_author_biographies_give_nothing(text):
    out = run(text)
    assert not {"model_architecture", "frameworks", "hardware"} & set(out), out


def test_section_labels_filter_general_statements():
    # ingestion labels a chunk's section from real headings: the introduction's general
    # statements ("there is increasing interest in CNNs") are no methods of this study, a
    # related-work section is about other studies, and a first-person sentence still counts
    from extractor.backends.base import GroupTask
    from extractor.backends.rules import RulesBackend
    from extractor.core import Passage
    from test_rules import SCHEMA

    def values(text, section):
        p = [Passage(chunk_id=1, text=text, start=0, page=None, section=section)]
        return {c.value for g in SCHEMA.groups
                for c in RulesBackend().extract(GroupTask("d", g, p)).candidates}

    general = "Convolutional neural networks were trained on such imagery to count the seals."
    assert "CNN" in values(general, "methods")
    assert "CNN" not in values(general, "introduction")
    assert not values("ResNet-50 was trained by Lee on the bird images.", "related_work")
    assert "ResNet-50" in values("We trained ResNet-50 on the bird images.", "introduction")


def test_settings_of_language_model_papers():
    out = run("We fine-tuned the model with a maximum sequence length of 512 tokens, 500 warmup "
              "steps, a LoRA rank of 16 and decoded with a beam size of 4.", "training")
    assert {"maximum sequence length = 512", "warmup steps = 500", "LoRA rank = 16",
            "beam size = 4"} <= set(out["hyperparameters"]), out


@pytest.mark.parametrize("text, value", [
    # "FLIP" alone is a flip (augmentation), so the kind word stays
    ("We evaluated the embeddings on the FLIP benchmark that we downloaded.", "FLIP benchmark"),
    ("The tagger was trained on the OntoNotes corpus and tested on our sentences.", "OntoNotes"),
    ("Models were trained on the AAV datasets we prepared.", "AAV"),
])
def test_named_benchmarks_and_corpora(text, value):
    assert value in run(text).get("datasets", []), run(text)


def test_data_link_after_downloaded_here_without_the_word_data_before_it():
    text = ("We used the freely available canopy height maps of two teams (downloaded here: "
            "https://example.org/canopy/maps/) for every plot.")
    assert run(text, "availability").get("data_repository_url") == [
        "https://example.org/canopy/maps"]
    # a link with no data words around it is no data repository
    assert "data_repository_url" not in run(
        "The project is described at length online (available at https://example.org/about).",
        "availability")


def test_data_source_named_with_its_link_and_centre():
    text = ("Monthly rainfall layers were sourced from the Northern Plains Climate Data Center "
            "(http://www.npcdc.example.org/), and land cover maps were provided by a regional "
            "portal (https://maps.example.net/landcover).")
    out = run(text, "availability")
    assert out.get("data_repository_url") == ["http://www.npcdc.example.org",
                                              "https://maps.example.net/landcover"]
    assert out.get("data_repository_platform") == ["Northern Plains Climate Data Center"]
    # a host cut by the PDF gives no link, and a centre needs its capitalised name
    out = run("Rainfall grids were obtained from the survey office (http://www.rain -grids.org).",
              "availability")
    assert "data_repository_url" not in out
    assert "data_repository_platform" not in run(
        "All of the records were kept in the data center of the station.", "availability")


def test_a_name_keeps_the_papers_spelling_of_hyphens():
    out = run("We fine-tuned EfficientNetB0, Faster RCNN and MobileNet-V2 on the trap images.",
              "model")
    assert out["model_architecture"] == ["EfficientNetB0", "Faster RCNN", "MobileNet-V2"]
    # another word is not a spelling: the vocabulary's name stays
    assert run("We trained a convolutional neural network on the images.",
               "model")["model_architecture"] == ["CNN"]


def test_a_metric_is_reported_under_the_name_the_paper_gives_it():
    out = run("We report the true positive rate and the true negative rate of the detector, and "
              "AP50 and AP75 for the boxes.", "evaluation")
    assert set(out["evaluation_metrics"]) == {"true positive rate", "true negative rate",
                                              "AP50", "AP75"}
    assert run("We report recall and specificity for each class.",
               "evaluation")["evaluation_metrics"] == ["recall", "specificity"]


def test_the_abbreviation_names_an_elevation_model_and_the_longer_name_wins():
    out = run("We resampled the digital elevation model and the DSM of each plot to 10 m and "
              "stacked them with the image bands.", "data")
    assert {"DEM", "digital surface model"} <= set(out["data_formats"])
    out = run("We trained a random forest and an extreme gradient boosting (XGB) model on the "
              "plot features.", "model")
    assert set(out["model_architecture"]) == {"Random forest", "XGBoost"}


def test_a_metric_defined_by_its_formula_or_heading_a_column_of_numbers():
    out = run("RMSE =\n\nthe square root of the mean squared difference\n\nwhere n is the number "
              "of plots.", "evaluation")
    assert out.get("evaluation_metrics") == ["RMSE"]
    out = run("Table 4. Scores per site.\n\nR2\n\n0.71 0.83 0.64\n\n0.55 0.62 0.58",
              "evaluation")
    assert out.get("evaluation_metrics") == ["R2"]
    assert run("MAE (kg/ha)\n\n12.1 9.8 14.0", "evaluation").get("evaluation_metrics") == ["MAE"]
    # a name alone on a line with words after it is a heading, still no statement
    assert "evaluation_metrics" not in run("Accuracy\n\nThe plots were visited twice.",
                                           "evaluation")


def test_reference_entries_with_dotted_initials_or_document_type_marks_are_no_statements():
    for ref in ["[7] Lindqvist K., Okafor B., Reyes M. (2019) DenseNet-121 for reef survey imagery.",
                "Counting fish with a YOLOv5 detector[J]. Aquacultural Engineering, 2021."]:
        assert "model_architecture" not in run(ref, "model"), ref
    # an author named in a sentence of this study is not a reference entry
    assert run("We trained the DenseNet-121 of Lindqvist K. on our images.",
               "model")["model_architecture"] == ["DenseNet-121"]


def test_perplexity_of_a_tsne_plot_is_no_metric():
    assert "evaluation_metrics" not in run(
        "Ordination of the activations was done with t-SNE using a perplexity of 30.")
    assert run("We report the test perplexity of the language model we trained."
               )["evaluation_metrics"] == ["perplexity"]


def test_a_family_name_gives_way_to_a_named_member():
    # "CNN" beside "ResNet-50" says less than the member; alone it is the paper's answer
    text = ("We trained a convolutional neural network, ResNet-50, on the labelled photographs "
            "of the plots.")
    assert run(text, "model").get("model_architecture") == ["ResNet-50"]
    alone = run("We trained a convolutional neural network on the labelled photographs.", "model")
    assert alone.get("model_architecture") == ["CNN"]


def test_generic_values_are_part_of_the_schema_spec():
    from extractor.schemas.catalog import load_schema
    spec = {f.key: f for g in load_schema().groups for f in g.fields}
    assert "CNN" in spec["model_architecture"].generic
    assert spec["optimizer"].generic == ()


def test_an_unnamed_dataset_is_described_by_its_size():
    text = ("We collected a dataset of 4,210 camera trap images from the twelve stations. The "
            "network was trained on the images of ten stations.")
    assert run(text, "data").get("datasets") == ["4,210 camera trap images"]
    # only a fallback: a named dataset in the same paper is the value
    named = text + " It was pretrained on the ImageNet dataset that we downloaded."
    assert run(named, "data").get("datasets") == ["ImageNet"]
    # a count without a sentence about the data is no dataset
    assert "datasets" not in run("The detector found 35 images with two animals.", "data")


# --- general wordings of a value: one sentence, the value it must give ----------------------


def case(text: str, group: str, field: str, value: str, id: str):
    return pytest.param(text, group, field, value, id=id)


ONE_VALUE = [
    case("The land cover map was reclassified into five classes before we trained the model.",
         "data", "preprocessing", "reclassification", "preprocessing: reclassified"),
    case("Categorical predictors were label encoded with LabelEncoder before training.",
         "data", "preprocessing", "label encoding", "preprocessing: LabelEncoder"),
    case("We applied CLAHE to every frame before it was passed to the detector.",
         "data", "preprocessing", "contrast enhancement", "preprocessing: CLAHE"),
    case("The drone images were orthorectified and mosaicked in a photogrammetry package.",
         "data", "preprocessing", "orthorectification", "preprocessing: orthorectified"),
    case("The plots were divided into training and test sets in a ratio of 3:1.",
         "data", "data_split", "3/1", "split: ratio of 3:1"),
    case("Images were assigned to the training, validation and test subsets with proportions as "
         "70:20:10.", "data", "data_split", "70/20/10", "split: proportions as 70:20:10"),
    case("Canopy heights were taken from GEDI footprints that we matched to the plots.",
         "data", "datasets", "GEDI", "data product: GEDI"),
    case("Land cover came from the ESA WorldCover map, which we resampled to 20 m.",
         "data", "datasets", "ESA WorldCover", "data product: WorldCover"),
    case("Rainfall was taken from CHIRPS and aggregated to monthly totals by us.",
         "data", "datasets", "CHIRPS", "data product: CHIRPS"),
    case("Fish schools were recorded with a split-beam echosounder that we towed along transects.",
         "data", "data_collection", "echosounder", "collection: echosounder"),
    case("Carbon fluxes were measured with an eddy covariance system at the site.",
         "data", "data_collection", "eddy covariance", "collection: eddy covariance"),
    case("Farmers answered a questionnaire that we designed for the survey.",
         "data", "data_collection", "questionnaire", "collection: questionnaire"),
    case("We report the average of the F1-score computed over ten runs with different samples.",
         "evaluation", "randomness", "ten runs", "repeated runs: computed over"),
    case("The values we show are averages of 10 replicate runs of the model.",
         "evaluation", "randomness", "averages of 10 replicate runs", "repeated runs: averages"),
    case("The analysis was iterated 10 times with randomly selected plots.",
         "evaluation", "randomness", "10 times", "repeated runs: iterated"),
    case("The learning rate of 0.01 was chosen in preliminary experiments that we ran on two sites.",
         "training", "hyperparameter_tuning", "preliminary experiments", "tuning: preliminary"),
    # in the paper's wording (surface_values), stored under "iterative testing"
    case("The kernel size was iteratively adjusted by us until the loss stopped falling.",
         "training", "hyperparameter_tuning", "iteratively adjusted", "tuning: iterative"),
    # settings written as code, a count in a settings line, optimizer constants, the loss
    case("Our final detector used n_estimators = 300 with the remaining options left as default.",
         "training", "hyperparameters", "n_estimators = 300", "settings: snake_case"),
    case("The classifier was run in the cloud with numberOfTrees: 150 and bagFraction: 0.5.",
         "training", "hyperparameters", "numberOfTrees = 150", "settings: camelCase"),
    case("Number of iterations 6000 Number of classes 4", "training", "hyperparameters",
         "Number of iterations = 6000", "settings: iterations without a verb"),
    case("We trained with Adam (β1 = 0.9, β2 = 0.98) on the labelled tiles.",
         "training", "hyperparameters", "β1 = 0.9, β2 = 0.98", "settings: Adam betas"),
    case("The segmentation network was trained with a Dice loss on the masks we drew.",
         "training", "hyperparameters", "loss = Dice", "settings: the loss"),
]


@pytest.mark.parametrize("text, group, field, value", ONE_VALUE)
def test_a_general_wording_gives_its_value(text, group, field, value):
    assert value in run(text, group).get(field, [])


def test_a_split_ratio_is_stored_bare():
    # annotators qualify a ratio ("70/30 train/test split per site"): the bare ratio is inside
    # every such wording, "70/30 split" is inside none of them
    out = run("The plots were split into 70/30 training and test subsets by site.", "data")
    assert "70/30" in out["data_split"]
    assert not [v for v in out["data_split"] if v.startswith("70/30 ")]


@pytest.mark.parametrize("text, value", [
    ("The images were randomly divided into training and test sets.", "train/test"),
    ("The plots were split into training and validation datasets.", "train/validation"),
    ("Records were split into training, validation and test sets at random.",
     "train/validation/test"),
])
def test_the_sets_of_a_split_are_named_as_fields_md_names_them(text, value):
    assert value in run(text, "data")["data_split"]


def test_a_method_in_the_present_passive_is_this_studys_a_general_claim_is_not():
    out = run("Training involves random sampling, so the experiment is performed 10 times and "
              "the mean is reported.", "evaluation")
    assert out.get("randomness") == ["10 times"]
    assert "randomness" not in run("Random seeds are important in deep learning.", "evaluation")


def test_flipping_is_stored_as_flip_and_thousands_of_iterations_count():
    out = run("Each tile was randomly flipped before it was fed to the network we trained.", "data")
    assert out["augmentation"] == ["flip"]
    out = run("Training of the detector was stopped after 90K iterations.", "training")
    assert "iterations = 90K" in out["stopping_criteria"]


def test_accuracy_as_a_goal_is_no_metric_accuracy_as_a_measure_is():
    out = run("These augmentations were meant to improve the accuracy of the detector we trained.",
              "evaluation")
    assert "accuracy" not in out.get("evaluation_metrics", [])
    out = run("We measured the accuracy of each model on the held-out plots.", "evaluation")
    assert "accuracy" in out.get("evaluation_metrics", [])


def test_kappa_is_stored_in_the_word_annotators_share():
    # "kappa" is inside "Cohen's kappa", "kappa coefficient" and "kappa statistic" alike
    out = run("Agreement with the field plots was measured with the kappa coefficient.", "evaluation")
    assert out.get("evaluation_metrics") == ["kappa"]


@pytest.mark.parametrize("text", [
    "The model reached mAP: 0.71 on the test tiles that we held out.",     # a metric, not code
    "We counted the birds with camera_traps in 2019.",                     # no value assigned
    "Batch normalisation (arXiv:1502.03167) was used in every block we trained.",   # an id
    "Training ran until mrcnn_class_loss = 0.0031 and val_acc = 0.91 were logged.",  # results
    "Each record had a contributor_id = 950 that we kept.",                 # a record id
    "The settings were max_depth3 = 7 in the table we give.",             # a table's digit glued
])
def test_code_style_settings_need_a_name_and_a_value(text):
    assert not [v for v in run(text, "training").get("hyperparameters", []) if "=" in v
                and v.split(" = ")[0] in text.replace(":", " ")], run(text, "training")


def test_a_name_in_a_verbless_settings_line_counts_a_descriptive_heading_does_not():
    out = run("Training settings of the detector\n\nFramework: PyTorch 1.12 with CUDA 11.6\n\n"
              "Optimiser: Adam with default betas\n\n")
    assert "PyTorch" in out.get("frameworks", [])
    assert "Adam" in out.get("optimizer", [])
    heading = run("3.2. Data augmentation and random horizontal flipping of the tiles\n\n")
    assert "augmentation" not in heading


def test_a_code_link_without_the_word_code_is_a_fallback():
    text = ("The trained detector and the figures of this paper are at "
            "https://github.com/somelab/nest-finder.")
    out = run(text, "availability")
    assert out.get("code_repository_url") == ["https://github.com/somelab/nest-finder"]
    assert out.get("code_repository_platform") == ["GitHub"]


def test_a_validation_loss_without_monitoring_words_is_a_fallback():
    out = run("We kept the weights with the lowest validation loss of the run.", "training")
    assert out.get("training_monitoring") == ["validation loss"]
    out = run("The validation loss of the final model was 0.21 on the held-out tiles.",
              "training")
    assert out.get("training_monitoring") == ["validation loss"]


def test_a_count_of_training_epochs_is_the_fallback_stopping_criterion():
    out = run("We used 120 training epochs and a batch size of 16 for the tiles.", "training")
    # worded as annotators' "fixed number of epochs (120)" reads: the count and its unit
    assert out.get("stopping_criteria") == ["epochs = 120"]
    early = run("Training used early stopping on the validation loss, and we planned 300 epochs.",
                "training")
    assert "epochs = 300" not in early.get("stopping_criteria", [])
    assert "early stopping" in early.get("stopping_criteria", [])


def test_descriptive_values_in_the_papers_wording_group_under_one_canonical_value():
    from extractor.canonical import spec_canonical
    from extractor.schemas.catalog import load_schema
    text = ("We deployed hydrophones at four moorings. The hydrophone recordings were collected "
            "every night, and a hydrophone was serviced monthly.")
    out = run(text, "data")
    assert out.get("data_collection") == ["hydrophones"]       # one value, the paper's word
    spec = load_schema().field("data_collection")
    assert spec_canonical(spec, "hydrophones") == "acoustic recorders"
    # fields without the flag keep the canonical value
    assert run("Images were resized and then normalized before training.",
               "data").get("preprocessing") == ["resizing", "normalisation"]


def test_an_application_that_restates_the_task_gives_way_to_it():
    text = ("We trained a classifier for species identification of the bees in the photographs, "
            "and the classification reached 91% accuracy.")
    assert run(text, "model").get("purpose") == ["classification"]


def test_settings_configured_as_and_iteration_counts():
    out = run("The batch size was configured as 8, and the maximum number of iterations was set "
              "as 20,000 for the segmentation network.", "training")
    assert "batch size = 8" in out["hyperparameters"]
    assert "maximum number of iterations = 20,000" in out["hyperparameters"]


def test_stratified_sampling_is_bias_handling_and_error_matrices_are_postprocessing():
    assert "stratified random sampling" in run(
        "We used stratified random sampling so that every cover class had 300 reference points.",
        "data").get("bias_handling", [])
    out = run("We computed error matrices for each map and applied a cut-off threshold of 0.6 "
              "to the predicted probabilities.", "evaluation")
    assert {"error matrices", "cut-off threshold"} <= set(out.get("postprocessing", []))


def test_a_model_converted_to_an_inference_format_was_deployed():
    out = run("The best network was then converted to TensorFlow Lite for the field units.",
              "model")
    assert out.get("deployment_process") == ["conversion to TensorFlow Lite"]


def test_both_of_two_epoch_counts_are_settings():
    out = run("The two detectors were trained for 60 and 35 epochs, respectively.", "training")
    assert {"epochs = 60", "epochs = 35"} <= set(out["hyperparameters"])


def test_learning_rate_with_a_caret_a_decay_schedule_and_training_stopped_after_n_epochs():
    out = run("We used a learning rate of 10^-5 with an exponential learning decay, and the "
              "training was stopped after 70 epochs to prevent overfitting.", "training")
    assert {"learning rate = 1e-5", "exponential learning decay", "epochs = 70"} <= set(
        out["hyperparameters"])
    assert "epochs = 70" in out["stopping_criteria"]


def test_adjusted_r2_is_a_metric_of_its_own():
    out = run("We report the R2, the adjusted R2 and the RMSE of every model we fitted.",
              "evaluation")
    assert {"R2", "adjusted R2", "RMSE"} <= set(out["evaluation_metrics"])


def test_settings_of_transformer_and_language_model_papers():
    out = run("We fine-tuned the encoder with AdamW (lr = 2e-5), label smoothing of 0.1 and "
              "gradient clipping at 1.0.", "training")
    assert {"lr = 2e-5", "label smoothing = 0.1", "gradient clipping = 1.0"} <= set(
        out["hyperparameters"])
    out = run("Answers were generated by the language model with a temperature of 0.7 and "
              "top-p of 0.9.", "training")
    assert {"temperature = 0.7", "top-p = 0.9"} <= set(out["hyperparameters"])
    # a physical temperature is no setting
    assert "hyperparameters" not in run("Water temperature of 18 °C was recorded at each site "
                                        "we sampled.", "training")


def test_names_of_other_fields_papers_hardware_library_and_adapters():
    assert run("Models were trained on a single RTX 4090.").get("hardware") == ["RTX 4090"]
    # variable names that look like GPUs are not hardware
    assert "hardware" not in run("The variables V98, V99, V100 and V101 were measured by us.")
    out = run("Our code is implemented with HuggingFace Transformers and PyTorch Lightning.")
    assert "model_architecture" not in out          # the library is no architecture
    assert "LoRA r = 8" in run("We fine-tune Llama-2-7B with LoRA (r = 8) for 3 epochs.",
                               "training")["hyperparameters"]


def test_data_formats_use_the_words_of_the_field_catalogue():
    out = run("We classified Sentinel-2 satellite imagery and the plot records kept as tabular "
              "data in a spreadsheet.", "data")
    assert {"satellite raster", "tabular"} <= set(out.get("data_formats", []))


def test_augmentation_used_without_a_named_technique_is_a_fallback():
    out = run("Data augmentation was applied to the training set before we trained the network.",
              "data")
    assert out.get("augmentation") == ["data augmentation"]
    named = run("Data augmentation (random horizontal flips) was applied to the training set "
                "before we trained the network.", "data")
    assert "data augmentation" not in named.get("augmentation", [])
    assert "augmentation" not in run("No data augmentation was applied in this study.", "data")


def test_an_initial_learning_rate_is_the_learning_rate_a_maximum_keeps_its_word():
    out = run("We optimised the detector with SGD using an initial learning rate of 0.02.",
              "training")
    assert "learning rate = 0.02" in out["hyperparameters"]
    out = run("The one-cycle schedule used a maximum learning rate of 3e-3 for the encoder.",
              "training")
    assert "maximum learning rate = 3e-3" in out["hyperparameters"]


def test_dropout_and_gradient_clipping_as_settings_rows_and_clauses_state_them():
    assert run("Dropout (projection head) | 0.15", "training")["hyperparameters"] == \
        ["dropout = 0.15"]
    assert run("Dropout after the pooling layer: 0.35", "training")["hyperparameters"] == \
        ["dropout = 0.35"]
    out = run("We trained the tagger with Adam, and gradients were clipped to a maximum norm "
              "of 2.5.", "training")
    assert "gradient clipping = 2.5" in out["hyperparameters"]
    # a clipped signal is no setting of the training
    assert "hyperparameters" not in run("Amplitudes above the sensor range were clipped to "
                                        "zero in our recordings.", "training")


def test_signal_conditioning_is_preprocessing_in_its_own_words():
    out = run("All waveforms were resampled to 50 Hz, demeaned and detrended before we picked "
              "the arrivals.", "data")
    assert {"demeaning", "detrending"} <= set(out["preprocessing"])
    out = run("Each channel was then downsampled from 1000 Hz to 125 Hz by us.", "data")
    assert out["preprocessing"] == ["downsampling from 1000 Hz to 125 Hz"]
    out = run("All covariates were standardised to zero mean and unit variance.", "data")
    assert out["preprocessing"] == ["standardisation"]
    # a standardised protocol is no z-score
    assert "preprocessing" not in run("Divers followed a standardised survey protocol that we "
                                      "designed.", "data")
    out = run("Daily sequences were built with a sliding window of 90 days.", "data")
    assert out["preprocessing"] == ["sliding window"]


def test_a_regulariser_in_a_settings_row_counts_a_heading_does_not():
    out = run("Encoder dropout (attention) | 0.15", "training")
    assert out.get("regularization") == ["dropout"]
    assert "regularization" not in run("Dropout and weight decay", "training")
    # a keyword line before the next numbered heading is no settings row
    assert "data_collection" not in run("Forest mapping; deep learning; optical imagery\n"
                                        "1. Introduction\nWe mapped the forest.", "data")


@pytest.mark.parametrize("text", [
    "The number of epochs was fixed in advance; we did not apply early stopping.",
    "Our network was trained without dropout on the full training set.",
    "Early stopping was not used, because the loss curves were flat for us.",
])
def test_a_value_denied_beside_it_is_dropped(text):
    assert "regularization" not in run(text, "training")


def test_a_denial_with_a_modifier_before_the_value_drops_it():
    # "did not apply synthetic oversampling": one word between the verb and the value
    assert "bias_handling" not in run("We did not apply synthetic oversampling of the minority "
                                      "class in this study.")
    out = run("For training we randomly undersample the negative sequences to the number of "
              "positive ones.")
    assert out.get("bias_handling") == ["undersampling"]


def test_a_negation_elsewhere_in_the_clause_keeps_the_value():
    out = run("We used early stopping when the validation loss did not improve for 8 epochs.",
              "training")
    assert out["regularization"] == ["early stopping"]


def test_training_stopped_on_a_validation_score_is_early_stopping_as_regularisation():
    out = run("Fine-tuning was stopped early when the validation F1 had not improved for four "
              "epochs.", "training")
    assert out["regularization"] == ["early stopping"]


def test_a_model_number_named_with_its_vendor_elsewhere_is_one_value():
    out = run("Training was run on four NVIDIA RTX A5000 GPUs; one A5000 took 40 minutes per "
              "run for us.")
    assert out["hardware"] == ["NVIDIA RTX A5000"]


def test_a_datasets_image_count_with_sizes_is_no_input_size_and_patience_is_no_epoch_count():
    out = run("The archive holds 740 images of 512 × 384 pixels from 20 clinics.", "training")
    assert "hyperparameters" not in out
    out = run("We trained with a batch size of 16 patches of 128 × 128 pixels.", "training")
    assert "patch size = 128 × 128" in out["hyperparameters"]
    out = run("Early stopping on the validation loss, patience 7 epochs", "training")
    assert "epochs = 7" not in out.get("hyperparameters", [])


def test_lora_alpha_and_rank_in_a_clause_are_settings():
    out = run("We used LoRA with rank r = 4 and alpha = 8 on the value projections.", "training")
    assert {"LoRA rank = 4", "LoRA alpha = 8"} <= set(out["hyperparameters"])
    out = run("LoRA rank 16 / LoRA alpha 32", "training")
    assert "LoRA alpha = 32" in out["hyperparameters"]


def test_values_scaled_to_the_unit_range_are_scaling_as_a_noun():
    out = run("Pixel values of every crop were scaled to [0, 1] by us.", "data")
    assert out["preprocessing"] == ["scaling to [0, 1]"]


def test_postprocessing_of_ml_papers_attributions_thresholds_and_ensembles():
    out = run("At inference the logits are upsampled to the original image size and thresholded "
              "at 0.4 by us.", "evaluation")
    assert {"upsampling to original image size", "thresholding at 0.4"} <= \
        set(out["postprocessing"])
    out = run("We computed attributions with integrated gradients for 100 test images.",
              "evaluation")
    assert out["postprocessing"] == ["integrated gradients"]


def test_held_out_units_and_other_domains_are_generalisability():
    out = run("We performed leave-one-site-out cross-validation over the twelve reefs.",
              "evaluation")
    assert out["generalizability"] == ["leave-one-site-out cross-validation"]
    out = run("We also evaluated the tagger on an out-of-domain test set of clinical notes.",
              "evaluation")
    assert out["generalizability"] == ["out-of-domain"]


def test_modalities_of_other_fields_are_data_formats_a_bare_sequence_is_not():
    assert run("We collected 8,000 tweets about heat waves for our corpus.",
               "data")["data_formats"] == ["text"]
    assert run("Protein sequences were downloaded by us from UniProt.",
               "data")["data_formats"] == ["protein sequences"]
    assert "data_formats" not in run("We trained the LSTM with mini-batches of 64 sequences.",
                                     "data")


def test_a_models_cost_is_a_metric_a_videos_frame_rate_is_not():
    out = run("We report mAP, GFLOPs and the frame rate (FPS) of each detector on the Jetson board.",
              "evaluation")
    assert {"GFLOPs", "FPS"} <= set(out["evaluation_metrics"])
    out = run("Five frames per second were extracted by us from every video.", "evaluation")
    assert "evaluation_metrics" not in out


def test_a_significance_test_comparing_models_is_reported_with_the_metrics():
    out = run("Differences between the two taggers were tested by us with McNemar's test.",
              "evaluation")
    assert out["evaluation_metrics"] == ["McNemar's test"]


def test_a_plain_name_used_as_a_library_is_a_framework():
    assert run("Saliency maps were computed by us using the Captax library.")["frameworks"] == \
        ["Captax"]
    assert run("Records were parsed with the edfio Python package by us.")["frameworks"] == \
        ["edfio"]
    assert "frameworks" not in run("We used the same package for all runs of the models.")


def test_a_model_converted_for_inference_is_named_as_the_step():
    out = run("For the field unit, our network was exported to ONNX and converted into a TensorRT "
              "engine.")
    assert out["deployment_process"] == ["export to ONNX", "conversion to TensorRT"]


def test_runs_with_different_seeds_have_no_fixed_seed():
    out = run("Each detector was trained by us four times with different random seeds.",
              "evaluation")
    assert "fixed random seed" not in out.get("randomness", [])
    out = run("We fixed the random seed to 7 for all our experiments.", "evaluation")
    assert out["randomness"] == ["fixed random seed"]


def test_a_keyword_list_is_no_statement_of_method():
    assert "data_collection" not in run("Keywords: stance detection; pre-trained language "
                                        "models; social media; citizen science", "data")


def test_what_could_also_be_done_is_no_statement_of_method():
    out = run("The model could also be deployed on a Raspberry Pi at remote gauging stations.")
    assert "deployment_platform" not in out and "data_collection" not in out


def test_a_split_ratio_in_tenths_is_written_in_percent():
    out = run("The plots were split by us into training and test sets in a 7:3 ratio.", "data")
    assert "70/30" in out["data_split"]
    out = run("The plots were split by us into training and test sets in a 3:2 ratio.", "data")
    assert "3/2" in out["data_split"]          # no tenths: kept as written


def test_a_random_split_beside_its_ratio_says_less_than_the_ratio():
    out = run("The plots were randomly divided by us into a training set (70%) and a test set "
              "(30%).", "data")
    assert "randomly divided" not in out["data_split"] and "70/30" in out["data_split"]
    assert run("The plots were randomly divided by us before the analysis began.",
               "data")["data_split"] == ["randomly divided"]


def test_a_pattern_value_of_a_surface_field_keeps_the_papers_wording():
    out = run("We trained the tagger with AdamW and a cosine decay of the learning rate.",
              "training")
    assert "cosine decay" in out["hyperparameters"]


def test_a_tuning_library_gives_way_to_the_method_run_with_it():
    out = run("We tuned the hyperparameters with Optuna using a random search of 50 trials.",
              "training")
    assert out["hyperparameter_tuning"] == ["random search"]
    out = run("We tuned the hyperparameters of our network with Optuna.", "training")
    assert out["hyperparameter_tuning"] == ["Optuna"]


def test_the_sets_named_give_way_to_a_ratio_over_as_many_sets():
    text = ("The plots were divided into training and test sets. A training set (80%) and a "
            "test set (20%) were drawn at random.")
    assert run(text, "data")["data_split"] == ["80/20"]
    # a ratio over other sets says nothing of these: both stay
    text = ("The plots were divided into training, validation and test sets. A training set "
            "(80%) and a test set (20%) were drawn at random.")
    assert sorted(run(text, "data")["data_split"]) == ["80/20", "train/validation/test"]


def test_adams_two_betas_stated_together_are_one_setting():
    out = run("We trained with AdamW (β1 = 0.9, β2 = 0.999, ε = 1e-8) and a weight decay of 0.01.",
              "training")["hyperparameters"]
    assert "β1 = 0.9, β2 = 0.999" in out and "ε = 1e-8" in out
    assert not any(v.startswith("β2") for v in out)
    assert run("We trained with Adam (β2 = 0.98).", "training")["hyperparameters"] == ["β2 = 0.98"]


def test_metrics_of_other_fields_by_name():
    out = run("We report the Heidke skill score (HSS), the Brier skill score and the probability of "
              "detection of the flare forecasts.", "evaluation")["evaluation_metrics"]
    assert {"Heidke skill score", "Brier skill score", "probability of detection"} <= set(out)
    out = run("Segmentation is scored with the mean Dice, the HD95 and the normalised surface Dice "
              "at 2 mm.", "evaluation")["evaluation_metrics"]
    assert {"mean Dice", "Hausdorff distance", "normalised surface Dice"} <= set(out)
    out = run("We report AP3D and BEV AP on KITTI and the nuScenes detection score on nuScenes.",
              "evaluation")["evaluation_metrics"]
    assert {"AP3D", "BEV AP", "nuScenes detection score"} <= set(out)


def test_f1_beside_its_class_averages_gives_way_to_them():
    out = run("We report macro-averaged F1 and micro-averaged F1; the F1 of each class is in "
              "Table 3.", "evaluation")["evaluation_metrics"]
    assert sorted(out) == ["macro-F1", "micro-F1"]
    assert run("We report the F1 score and the accuracy.", "evaluation")["evaluation_metrics"] \
        == ["F1-score", "accuracy"]


def test_a_settings_rows_number_is_not_the_warm_up_of_the_row_below():
    out = run("Parameter Value\nBatch size 128\nWarm-up epochs 10\nMax. epochs 200\n",
              "training")["hyperparameters"]
    assert sorted(out) == ["Warm-up epochs = 10", "batch size = 128", "epochs = 200"]
    assert "warm-up steps = 4,000" in run("We used 4,000 warm-up steps before the cosine decay.",
                                          "training")["hyperparameters"]


def test_a_cap_on_training_beside_early_stopping_is_a_stopping_criterion():
    out = run("Training ran for at most 150 epochs but was stopped early when the validation loss "
              "had not improved for 15 epochs.", "training")["stopping_criteria"]
    # a cap is written as annotators write it: "maximum 150 epochs"
    assert sorted(out) == ["early stopping", "maximum epochs = 150"]


def test_libraries_of_other_fields_are_frameworks():
    out = run("Molecules were parsed with RDKit, the CT volumes were read with SimpleITK and the "
              "network was built with MONAI.", "software")["frameworks"]
    assert {"RDKit", "SimpleITK", "MONAI"} <= set(out)
    out = run("The detector is implemented in OpenPCDet with spconv, and the policy is trained in "
              "Isaac Gym.", "software")["frameworks"]
    assert {"OpenPCDet", "spconv", "Isaac Gym"} <= set(out)


def test_a_name_spelled_out_is_reported_before_its_abbreviation():
    out = run("At inference, overlapping boxes are removed by NMS. The non-maximum suppression "
              "(NMS) uses an IoU threshold of 0.5.", "evaluation")["postprocessing"]
    assert out == ["non-maximum suppression"]


def test_a_split_stated_as_counts_per_set():
    out = run("We used 540 training images and 141 validation images from the northern sites.",
              "data")
    assert out["data_split"] == ["540 training / 141 validation"]
    out = run("The corpus holds 6,471 training, 548 validation and 1,610 test images.", "data")
    assert out["data_split"] == ["6,471 training / 548 validation / 1,610 test"]
    out = run("In total 9600 frames were used for training and 2400 for testing.", "data")
    assert out["data_split"] == ["9600 training / 2400 testing"]
    out = run("The training set consists of 1288 images, while the test set contains 332 images.",
              "data")
    assert out["data_split"] == ["1288 training / 332 test"]
    # years are no counts: they are the periods of the sets
    assert run("We took the surveys from 2020 for training, 2021 for validation of the maps.",
               "data")["data_split"] == ["training 2020 / validation 2021"]


def test_a_separate_or_temporal_split_in_the_papers_words():
    assert run("The models were evaluated on a separate test set of 200 sites.",
               "data")["data_split"] == ["separate test set"]
    assert run("We used a chronological split of the patient records.",
               "data")["data_split"] == ["chronological split"]


def test_a_dropout_rate_written_before_the_layer():
    out = run("Above the frozen encoder we added a 50% dropout layer and a dense softmax layer.",
              "training")
    assert "dropout = 50%" in out["hyperparameters"]
    out = run("The pooled vector passes through a dropout layer (p = 0.1) and a linear layer.",
              "training")
    assert "dropout = 0.1" in out["hyperparameters"]
    # a settings row's number is not the rate of the next row's dropout
    out = run("Weight decay | 0.01\nDropout (classifier) | 0.1", "training")
    assert "dropout = 0.01" not in out["hyperparameters"]


@pytest.mark.parametrize("text,name", [
    ("From PAMAP2 we used only the wrist sensor of the eight subjects who finished.", "PAMAP2"),
    ("German speeches for 2002-2018 were taken from ParlSpeech V2 [12] and cleaned.",
     "ParlSpeech V2"),
    ("We hand-coded BundesAgenda-12k, a new corpus of 9,000 parliamentary speeches.",
     "BundesAgenda-12k"),
    ("The resulting dataset, WristADL-24, contains 29.6 hours of labelled data.", "WristADL-24"),
    ("The segmenter was trained on the 400 cases of the KiTS23 training set.", "KiTS23"),
    ("nuScenes [2] contains 1,000 scenes of 20 s each recorded with a LiDAR.", "nuScenes"),
    ("We also present QuayView-2K, a new set of 2,004 aerial images of two marinas.",
     "QuayView-2K"),
    ("The resulting dataset, which we call TideSeq-30, contains 4,120 sequences.", "TideSeq-30"),
    ("We record a new set of 540 Raman spectra, RAM-540, and use it only for testing.",
     "RAM-540"),
])
def test_a_name_like_dataset_outside_the_vocabulary(text, name):
    assert name in run(text, "data")["datasets"]


@pytest.mark.parametrize("text", [
    "The negative set was drawn from GC-matched background regions of the genome.",
    "Footprints for the state were taken from June-2019 to September-2019 for us.",
    "The code was downloaded from GitHub and the images from NASA for this study.",
])
def test_words_that_only_look_like_dataset_names(text):
    assert "datasets" not in run(text, "data")


def test_error_metrics_are_the_errors_reported():
    out = run("We report the top-1 error and top-5 error of each network on the test images.",
              "evaluation")
    assert out["evaluation_metrics"] == ["top-1 error", "top-5 error"]
    out = run("We report the false negative rate, false omission rate and negative predictive "
              "value of the detector.", "evaluation")
    assert out["evaluation_metrics"] == ["false negative rate", "false omission rate",
                                         "negative predictive value"]


def test_an_activation_is_a_setting_only_when_stated_as_one():
    out = run("We trained the network with the Adam optimizer, a batch size of 8 and the GELU "
              "activation function.", "training")
    assert "activation = GELU" in out["hyperparameters"]
    # the layers' description names an activation as a part of the architecture
    out = run("Each block has a 3 x 3 convolution, batch normalisation and a GELU activation, "
              "and the batch size was 8.", "training")
    assert "activation = GELU" not in out["hyperparameters"]


def test_how_labels_were_checked_is_an_annotation_method():
    out = run("Two trained coders labelled every post; inter-coder reliability was Krippendorff's "
              "alpha = 0.69, and disagreements were adjudicated by the second author.", "data")
    assert out["annotation_methods"] == ["inter-annotator agreement", "adjudication"]
    out = run("Both raters outlined each lesion and remaining differences were resolved by "
              "consensus.", "data")
    assert out["annotation_methods"] == ["consensus"]
    # denied after the value, with a noun between
    out = run("The frames were labelled by one engineer, and an inter-annotator agreement study "
              "was not conducted.", "data")
    assert "inter-annotator agreement" not in out.get("annotation_methods", [])


def test_augmentation_and_bias_handling_keep_the_papers_words():
    out = run("We augmented the training tiles by horizontal mirroring and random rotations.",
              "data")
    assert out["augmentation"] == ["horizontal mirroring", "rotation"]
    # an inflection of the canonical value adds nothing: the canonical form is kept
    out = run("We augmented the training tiles by vertical flipping.", "data")
    assert out["augmentation"] == ["vertical flip"]
    out = run("To counter the imbalance we used class weights in the loss.", "data")
    assert out["bias_handling"] == ["class weights"]


def test_cross_validation_that_chooses_a_setting_is_no_generalisation_test():
    out = run("The penalty C of the logistic regression was selected by 5-fold cross-validation "
              "on the training set.", "evaluation")
    assert "generalizability" not in out
    out = run("We assessed the final model with 5-fold cross-validation over all sites.",
              "evaluation")
    assert "5-fold cross-validation" in out["generalizability"]


@pytest.mark.parametrize("text,value", [
    ("At inference the volume is predicted with sliding windows of the patch size and 50% "
     "overlap.", "sliding-window inference"),
    ("From each predicted mask we removed connected components smaller than 20 pixels.",
     "connected components"),
    ("The per-window labels were smoothed with a moving average over five windows.",
     "moving average"),
])
def test_what_is_done_to_predictions_is_postprocessing(text, value):
    assert value in run(text, "evaluation")["postprocessing"]


def test_a_sliding_window_over_the_inputs_is_no_inference_step():
    out = run("The recordings were cut into 2 s segments with a sliding window of stride 1 s.",
              "evaluation")
    assert "sliding-window inference" not in out.get("postprocessing", [])


def test_examples_the_study_gives_of_its_own_steps_stay():
    out = run("We used augmentations such as random rotation and horizontal flips.", "data")
    assert "rotation" in out["augmentation"]
    out = run("ViT-S/16, for example, denotes a variant with an input patch size of 16 x 16.",
              "training")
    assert "patch size = 16 × 16" in out["hyperparameters"]


def test_file_formats_are_data_formats():
    out = run("The recordings were stored as FLAC files and the station metadata as JSON.",
              "data")
    assert out["data_formats"] == ["FLAC", "JSON"]
    # capitals only: a lower-case extension in a file name is not a stated format
    out = run("We stored every label as mask_001.png beside the tabular data.", "data")
    assert "PNG" not in out["data_formats"]


def test_a_split_stratified_by_a_named_variable_handles_bias():
    out = run("The comments were split into train and test sets stratified by subreddit and year.",
              "data")
    assert out["bias_handling"] == ["stratified by subreddit and year"]
    # results broken down by a variable are no split
    out = run("Results were stratified by snow fraction class in Table 4.", "data")
    assert "bias_handling" not in out


def test_a_gpu_without_its_model_is_a_fallback():
    out = run("Each network was trained on a single GPU for about six hours.", "software")
    assert out["hardware"] == ["GPU"]
    out = run("Each network was trained on a single GPU, an NVIDIA RTX 3090 card with CUDA.",
              "software")
    assert out["hardware"] == ["NVIDIA RTX 3090"]


def test_averages_of_a_metric_are_metrics_of_their_own():
    out = run("We report the mean Dice similarity coefficient (mDice), the macro AUROC and the "
              "per-class F1 on the test set.", "evaluation")
    assert out["evaluation_metrics"] == ["mean Dice", "macro AUROC", "per-class F1"]


@pytest.mark.parametrize("text,value", [
    ("Scenes from 2009–2016 form the training set, scenes from 2017 the validation set and "
     "scenes from 2018–2020 the test set.", "training 2009–2016 / validation 2017 / test 2018–2020"),
    ("Gauge records from 1990-2010 were used for training and those from 2011-2015 for testing.",
     "training 1990-2010 / testing 2011-2015"),
])
def test_a_split_by_periods_is_the_split(text, value):
    assert value in run(text, "data")["data_split"]


def test_years_of_a_study_period_are_no_split():
    out = run("The survey ran from 2015 to 2018 and training workshops were held in 2019.", "data")
    assert "data_split" not in out


def test_a_share_held_out_of_the_training_data():
    out = run("Of the training tiles, 15% were randomly held out as a validation set.", "data")
    assert out["data_split"] == ["15% held out for validation"]


def test_a_set_the_study_names_is_no_model():
    out = run("The resulting dataset, which we call TideSeq-30, contains 4,120 sequences.", "data")
    assert "TideSeq-30" not in out.get("model_architecture", [])
    out = run("We propose a recurrent network, which we call TideNet-2, for the sequences.",
              "model")
    assert "TideNet-2" in out["model_architecture"]


def test_a_keyword_list_names_topics_not_methods():
    out = run("Index Terms—kidney tumour, semantic segmentation, vision transformer, U-Net.",
              "model")
    assert "model_architecture" not in out


def test_preprocessing_steps_named_as_written():
    out = run("The predictors were centered and scaled, and the classes encoded with the "
              "LabelEncoder of scikit-learn.", "data")
    assert out["preprocessing"] == ["centering and scaling", "LabelEncoder"]
    out = run("For tokenization and English stop words removal we used tidytext.", "data")
    assert "stop word removal" in out["preprocessing"]


def test_a_forest_of_n_trees_names_the_forest():
    out = run("As a baseline we trained a random forest with 300 trees on the same features.",
              "training")
    assert "random forest trees = 300" in out["hyperparameters"]


def test_counts_spelled_out_are_settings_in_digits():
    out = run("Each fine-tuning run used a batch size of four and lasted exactly six epochs.",
              "training")
    assert {"batch size = 4", "epochs = 6"} <= set(out["hyperparameters"])
    out = run("We trained the detector for twelve epochs and stopped with a patience of five.",
              "training")
    assert "epochs = 12" in out["stopping_criteria"]
    assert "patience = 5" in out["stopping_criteria"]
    # stages of a method are no training steps, and "first two epochs" are no setting
    assert "stopping_criteria" not in run("We used three steps to train the classifier on "
                                          "the plots.", "training")
    out = run("The learning rate was warmed up over the first two epochs.", "training")
    assert "epochs = 2" not in out.get("hyperparameters", [])


def test_early_stoppings_wait_is_its_patience():
    out = run("Training was stopped early when the validation loss had not decreased for seven "
              "consecutive epochs.", "training")
    assert "early stopping patience = 7 epochs" in out["hyperparameters"]
    out = run("We used early stopping after 12 epochs with no improvement on the dev set.",
              "training")
    assert "early stopping patience = 12 epochs" in out["hyperparameters"]
    # a learning-rate schedule's wait is no early stopping
    out = run("The learning rate was halved whenever the validation loss did not improve for "
              "4 epochs.", "training")
    assert not any("patience" in v for v in out.get("hyperparameters", []))


def test_a_setting_named_twice_is_one_setting():
    out = run("Early-stopping patience | 9\n\nWe stopped training when the validation F1 had not "
              "improved for 9 epochs.", "training")
    assert [v for v in out["hyperparameters"] if "patience" in v] == \
        ["early stopping patience = 9 epochs"]


@pytest.mark.parametrize("text,value", [
    ("Each model was trained on 65% of the plots and validated against the other 35%.", "65/35"),
    ("We kept 85% of the clips for training, while the remaining 15% were used to score it.",
     "85/15"),
    ("We trained on the first 75% of the days and tested on the remaining 25%.", "75/25"),
    ("The sites were split into training (12 sites, 60%), validation (4 sites, 20%) and test "
     "(4 sites, 20%) sets.", "60/20/20"),
    # a test share named first is reordered, training first
    ("Of the survey points, 25% were used as test data, and the remaining 75% trained the "
     "network.", "75/25"),
])
def test_shares_of_the_data_in_any_wording(text, value):
    assert value in run(text, "data").get("data_split", [])


def test_shares_that_do_not_add_up_are_no_split():
    out = run("For training we took 20% of the detections and 24% of the misses, and the rest "
              "went to the test set.", "data")
    assert "20/24" not in out.get("data_split", [])
    out = run("The data were divided into 90% training, 4% validation and 6% test samples.",
              "data")
    assert out["data_split"] == ["90/4/6"]


@pytest.mark.parametrize("text,value", [
    ("The network takes input images of 384x384 pixels with three colour bands.",
     "input image size = 384 × 384"),
    ("All images were adjusted to a size of 299 × 299 before we trained the classifier.",
     "image size = 299 × 299"),
    ("The orthomosaics were cropped into non-overlapping tiles of 128×128 pixels for training.",
     "tile size = 128 × 128"),
])
def test_the_size_of_the_networks_inputs(text, value):
    assert value in run(text, "training").get("hyperparameters", [])


def test_python_is_a_framework_unless_it_describes_another_package():
    out = run("The detector was implemented in Python 3.9 with the Keras library.", "software")
    assert {"Python", "Keras"} <= set(out["frameworks"])
    out = run("Tide gauge series were downloaded with the noaatide Python client by us.",
              "software")
    assert "Python" not in out.get("frameworks", [])
    out = run("We fixed the seeds for Python, NumPy and PyTorch to 7.", "software")
    assert out["frameworks"] == ["PyTorch"]


def test_r_named_as_where_the_work_was_done():
    out = run("We fitted the occupancy models in R, using the unmarked package.", "software")
    assert "R" in out["frameworks"]
    out = run("Density was estimated with the splancs package for R (Rowlingson, 2021).",
              "software")
    assert "R" in out["frameworks"]
    # a symbol R is no software
    assert "R" not in run("We measured the change in R over the season, using a new probe.",
                          "software").get("frameworks", [])


def test_flips_named_with_one_noun_or_reordered_are_the_canonical_flips():
    out = run("All tiles were augmented on the fly with horizontal / vertical flipping.", "data")
    assert {"horizontal flip", "vertical flip"} <= set(out["augmentation"])
    out = run("For augmentation, each clip's spectrogram was randomly flipped horizontally.",
              "data")
    assert out["augmentation"] == ["horizontal flip"]


def test_multispectral_beside_the_imagery_it_qualifies_is_no_modality():
    out = run("We classified multispectral satellite imagery of the delta acquired in 2019.",
              "data")
    assert out["data_formats"] == ["satellite raster"]
    out = run("We flew a multispectral camera over the plots in June 2020.", "data")
    assert "multispectral" in out["data_formats"]


def test_github_hosts_data_only_where_the_sentence_names_data():
    out = run("The training code and the trained weights are available on GitHub.", "availability")
    assert "data_repository_platform" not in out
    assert out["code_repository_platform"] == ["GitHub"]
    out = run("All annotated images and the code are available on GitHub.", "availability")
    assert out["data_repository_platform"] == ["GitHub"]


@pytest.mark.parametrize("text,value", [
    ("Validation mAP was computed after every epoch of the detector.",
     "Validation mAP computed per epoch"),
    ("During training the validation WER was evaluated every 500 steps.",
     "validation WER evaluated every 500 steps"),
])
def test_what_was_computed_during_training_and_how_often(text, value):
    assert value in run(text, "training").get("training_monitoring", [])


def test_the_second_of_two_monitored_metrics_is_not_cut_out_of_the_list():
    out = run("The training loss and the validation AUC were logged after every epoch.",
              "training")
    assert not any(v.startswith("validation AUC") for v in out.get("training_monitoring", []))


def test_a_setting_selected_by_cross_validation_is_its_tuning():
    out = run("The inverse regularisation strength C was selected by 5-fold cross-validation on "
              "the training set.", "training")
    assert out["hyperparameter_tuning"] == ["5-fold cross-validation"]
    assert "data_split" not in run("The inverse regularisation strength C was selected by 5-fold "
                                   "cross-validation on the training set.", "data")
    out = run("We tuned the forest with GridSearchCV with cross-validation (cv = 10).", "training")
    assert "10-fold cross-validation" in out["hyperparameter_tuning"]


@pytest.mark.parametrize("text", [
    "Trainings were stopped when validation accuracy did not improve for 25 epochs.",
    "The optimisation was stopped once the validation score repeatedly failed to improve.",
])
def test_training_stopped_on_a_validation_score_is_early_stopping_against_overfitting(text):
    assert "early stopping" in run(text, "training").get("regularization", [])


def test_a_settings_row_that_names_where_it_applies_states_the_regulariser():
    out = run("Dropout before the output layer: 0.3", "training")
    assert out["regularization"] == ["dropout"]
    # a heading is still no statement
    assert "regularization" not in run("Dropout before the output layer", "training")


def test_methods_a_field_includes_in_general_are_examples_of_no_study():
    out = run("Classical machine learning methods include k-nearest neighbours and support vector "
              "machines, and can perform well on small data.", "model")
    assert "model_architecture" not in out
    out = run("The models we compared include k-nearest neighbours and support vector machines.",
              "model")
    assert "Support vector machine" in out["model_architecture"]


@pytest.mark.parametrize("text,value", [
    ("All crops were resized to 320 x 320 pixels before training.", "resizing to 320 x 320"),
    ("Every frame was adjusted to a size of 416 × 416 for the detector.", "adjusted to 416 × 416"),
    ("We downscaled the scans from 2048x1536 pixels to 512x384 pixels.", "resizing to 512x384"),
])
def test_images_brought_to_one_size_keep_the_size(text, value):
    assert run(text, "data")["preprocessing"] == [value]
    # without a size it stays the vocabulary word
    assert run("All crops were resized before training.", "data")["preprocessing"] == ["resizing"]


def test_examples_introduced_with_a_colon_are_examples_of_no_study():
    out = run("For example: from 8 layers in AlexNet [3] to 19 in VGG-19 [4], networks grew "
              "deeper.", "model")
    assert "model_architecture" not in out
    assert "VGG-19" in run("We compared two networks: AlexNet and VGG-19.",
                           "model")["model_architecture"]


def test_a_language_model_named_with_its_size_is_that_checkpoint():
    out = run("We prompted three chat models: Gemma-2-9B-it, Llama-3.1-70B-Instruct and "
              "Mixtral-8x22B-Instruct-v0.1.", "model")
    assert out["model_architecture"] == ["Gemma-2-9B-it", "Llama-3.1-70B-Instruct",
                                         "Mixtral-8x22B-Instruct-v0.1"]
    # the family alone stays the family
    assert run("We prompted a Llama model.", "model")["model_architecture"] == ["LLaMA"]


def test_the_baselines_a_study_compares_against_are_its_models():
    out = run("As baselines we retrained GlowNet2 [4], an OrbitTime network [11] and a plain "
              "LSTM with 64 units.", "model")
    assert {"GlowNet2", "OrbitTime", "LSTM"} <= set(out["model_architecture"])
    out = run("We compare it with two baselines: (a) a ridge classifier on bag-of-words counts, "
              "(b) DistilBERT-base-cased, and (c) MiniLM-L12.", "model")
    assert {"DistilBERT-base-cased", "MiniLM-L12"} <= set(out["model_architecture"])
    assert "TF-IDF" in run("It beats a TF-IDF baseline by 3 points.", "model")["model_architecture"]
    # a name in a sentence about baselines that is not in their list is not one of them
    assert "model_architecture" not in run("The baselines were trained on HarbourSet-2 and "
                                           "tested in March.", "model")


@pytest.mark.parametrize("text,value", [
    ("Maximum epochs 80", "maximum epochs = 80"),
    ("Max epochs | 80", "epochs = 80"),       # verification does not read "max" as "maximum"
    ("Fine-tuning ran on one GPU for at most 80 epochs.", "maximum epochs = 80"),
])
def test_a_cap_on_training_in_a_settings_row_or_a_fine_tuning_sentence(text, value):
    assert value in run(text, "training").get("stopping_criteria", [])


@pytest.mark.parametrize("text", [
    "The 95% confidence intervals were computed from 2,000 bootstrap resamples of the test set.",
    "The bootstrap 95% confidence interval of the F1 score was [0.81, 0.86].",
    "We forecast the yield with a bootstrap forest and a boosted tree.",
])
def test_bootstrap_for_a_metrics_uncertainty_or_as_a_model_says_nothing_of_generalisation(text):
    assert "generalizability" not in run(text, "evaluation")


def test_bootstrapped_training_sets_still_count_for_generalisation():
    out = run("Each model was trained on 50 bootstrapped subsets of the training data.", "evaluation")
    assert out["generalizability"] == ["bootstrapping"]


def test_a_country_written_us_is_no_first_person():
    assert "frameworks" not in run("Frameworks such as Caffe, developed at the University of "
                                   "California, US, are widely used.")
    assert "Caffe" in run("Frameworks such as Caffe helped us train the model.")["frameworks"]


def test_shares_of_the_data_are_a_split_though_the_sentence_goes_on_to_tuning():
    out = run("The records were divided into training (70%), validation (15%), and test sets "
              "(15%), with hyperparameter tuning performed by grid search on the validation "
              "part.", "data")
    assert out["data_split"] == ["70/15/15"]
    # cross-validation that tunes is still no split
    assert "data_split" not in run("The records were used for hyperparameter tuning with "
                                   "10-fold cross-validation.", "data")


def test_a_sentence_whose_verb_is_comprised_is_a_statement_not_a_heading():
    out = run("The network comprised an output layer with a linear activation for regression "
              "purposes.", "model")
    assert out["purpose"] == ["regression"]
    assert "purpose" not in run("Regression purposes of the output layer", "model")


def test_clustering_is_a_purpose():
    assert run("We used k-means clustering to group the reef surveys into community states.",
               "model")["purpose"] == ["clustering"]


def test_augmentations_named_in_the_plural_or_by_their_library_names():
    out = run("Training images were randomly augmented (shifts, zooms and shears).", "data")
    assert {"shifts", "zoom", "shear"} <= set(out["augmentation"])
    out = run("We augmented the images with random affine transformations, sharpen, emboss and "
              "linear contrast.", "data")
    assert {"affine transformation", "sharpening", "emboss", "linear contrast"} <= set(
        out["augmentation"])


def test_wav_is_a_file_format_of_its_own_like_flac():
    out = run("We stored the audio as FLAC files at 44.1 kHz and as WAV files at 32 kHz.", "data")
    assert {"audio", "FLAC", "WAV"} <= set(out["data_formats"])


@pytest.mark.parametrize("text,value", [
    ("During training the validation macro-F1 was computed at the end of every epoch.",
     "validation macro-F1 computed per epoch"),
    ("After every epoch, the median validation RMSE was computed and stored.",
     "median validation RMSE computed per epoch"),
])
def test_a_hyphenated_or_epoch_first_monitoring_statement(text, value):
    assert value in run(text, "training")["training_monitoring"]


def test_detection_in_sound_is_named_as_the_paper_names_it():
    assert run("We trained a CNN for call detection in the recordings.",
               "model")["purpose"] == ["call detection"]
    assert run("The network performs vocalisation detection on spectrograms.",
               "model")["purpose"] == ["vocalization detection"]


def test_principal_component_analysis_of_results_is_no_preprocessing():
    assert "preprocessing" not in run("A principal component analysis (PCA) of the site means "
                                      "separated two clusters.", "data")


def test_a_signal_cut_into_windows_keeps_their_length():
    out = run("The accelerometer streams were segmented into windows of 5.12 s (256 samples) with "
              "25% overlap before training.", "data")
    assert out["preprocessing"] == ["windows of 5.12 s (256 samples) with 25% overlap"]


@pytest.mark.parametrize("text,value", [
    ("Dropout: 0.1", "dropout"),
    ("Drop path rate | 0.1", "stochastic depth"),
])
def test_a_short_settings_row_states_its_regulariser(text, value):
    assert run(text, "training")["regularization"] == [value]
    # a heading of the same words states nothing
    assert "regularization" not in run(text.split(":")[0].split("|")[0].strip(), "training")


def test_a_value_that_is_the_denied_verb_is_denied():
    assert "bias_handling" not in run("We did not oversample rare species or undersample common "
                                      "ones.", "data")
    assert run("We oversampled the rare species.", "data")["bias_handling"] == ["oversampling"]


def test_early_stoppings_wait_is_no_training_length():
    out = run("Training was stopped when the validation loss did not improve for 7 epochs.",
              "training")
    assert out["stopping_criteria"] == ["early stopping"]
    assert run("The network was trained for 90 epochs.", "training")["stopping_criteria"] == [
        "epochs = 90"]


def test_kling_gupta_efficiency_is_a_metric():
    out = run("We report the Nash-Sutcliffe efficiency and the Kling-Gupta efficiency (KGE) of "
              "the simulated discharge.", "evaluation")
    assert "KGE" in out["evaluation_metrics"]


def test_a_models_size_beside_its_quality_is_a_metric():
    out = run("The detectors were compared by mAP, number of parameters and GFLOPs.", "evaluation")
    assert "number of parameters" in out["evaluation_metrics"]
    assert "evaluation_metrics" not in run("The network has a small number of parameters.",
                                           "evaluation")


def test_map_accuracy_metrics_named_without_the_possessive():
    out = run("The Error of Commission, Error of Omission, Producer Accuracy and User Accuracy "
              "were computed from an error matrix.", "evaluation")
    assert {"commission error", "omission error", "producer's accuracy",
            "user's accuracy"} <= set(out["evaluation_metrics"])


def test_a_lower_case_package_named_with_its_citation_or_language():
    out = run("Strata were built using the geostrat package (Moreno et al., 2019).", "software")
    assert out["frameworks"] == ["geostrat"]
    assert run("Distances were computed with the ripley package for R.",
               "software")["frameworks"] == ["ripley"]
    assert "frameworks" not in run("We used the same package (v1.2) as before.", "software")


@pytest.mark.parametrize("text,value", [
    ("Frames with motion blur were discarded before training.",
     "discarding Frames with motion blur"),
    ("Readings from faulty loggers were removed; this removed 4% of the data.",
     "removal of Readings from faulty loggers"),
    ("After manual checking, plots without a GPS fix were excluded.",
     "plots without a GPS fix excluded"),
    ("We removed duplicated sightings and blurred photographs before annotation.",
     "removal of duplicated sightings and blurred photographs"),
])
def test_data_cleaning_stated_as_what_was_dropped(text, value):
    assert run(text, "data")["preprocessing"] == [value]


@pytest.mark.parametrize("text", [
    "The last layer was removed and replaced by a two-class head.",
    "Connections between distant nodes were removed to sparsify the graph.",
    "One site was excluded from training and kept for testing.",
    "Blurred frames were not removed.",
    # a passage that begins mid-sentence gives no subject
    "not match the reference genome were removed before training.",
])
def test_what_is_no_data_cleaning(text):
    assert "preprocessing" not in run(text, "data")


def test_a_settings_later_template_form_is_the_same_setting():
    # "image size = 512 × 512" and "512 × 512 image" (the second sentence lacks "size") are
    # one value, shown in the first template's form
    out = run("The input image size was set to 512 × 512 pixels. Every 512 × 512 image was then "
              "fed to the network, which we trained for 20 epochs.", "training")
    assert out["hyperparameters"] == ["image size = 512 × 512", "epochs = 20"]


def test_a_known_name_beside_its_variant_is_the_variant():
    # the vocabulary's "DeBERTa" and the pattern's "DeBERTa-v3-large" are one model
    out = run("We fine-tuned DeBERTa-v3-large with a linear classification head. DeBERTa was "
              "chosen for its strong results on stance detection.", "model")
    assert out["model_architecture"] == ["DeBERTa-v3-large"]


def test_a_named_accuracy_is_the_accuracy_the_paper_means():
    out = run("The overall accuracy of the classifier was 91%. Accuracy improved with more "
              "training data, and we also report producer's accuracy.", "evaluation")
    assert out["evaluation_metrics"] == ["overall accuracy", "producer's accuracy"]
    # a balanced accuracy, or a class's accuracy, is another metric
    assert run("Accuracy and balanced accuracy were computed on the test set.",
               "evaluation")["evaluation_metrics"] == ["accuracy", "balanced accuracy"]
    assert "accuracy" in run("We report accuracy and user's accuracy per class.",
                             "evaluation")["evaluation_metrics"]


@pytest.mark.parametrize("text,value", [
    ("Warm-up: 5 epochs", "Warm-up epochs = 5"),
    ("The learning rate was divided by 10 every 40 epochs.",
     "learning rate divided by 10 every 40 epochs"),
    ("Training used learning rate decay after the first 25 epochs.",
     "learning rate decay after 25 epochs"),
    ("The learning rate of 0.01 was halved whenever the validation loss did not improve for "
     "four consecutive epochs.", "learning rate halved when validation loss did not improve for "
     "four epochs"),
    ("The learning rate was halved whenever the validation accuracy did not improve for 3 "
     "epochs.", "learning rate halved when validation accuracy did not improve for 3 epochs"),
])
def test_the_learning_rate_schedule_as_stated(text, value):
    assert value in run(text, "training")["hyperparameters"]


def test_kappa_and_mean_iou_as_papers_write_them():
    out = run("We report overall accuracy and kappa values for each map.", "evaluation")
    assert "kappa" in out["evaluation_metrics"]
    out = run("The network was assessed by the mean value of intersection over union (MeanIoU).",
              "evaluation")
    assert out["evaluation_metrics"] == ["mean IoU"]


@pytest.mark.parametrize("text,value", [
    ("Figure 4 shows the accuracy and loss along with the epochs.", "accuracy and loss per epoch"),
    ("The stable validation accuracy across epochs suggests no overfitting.",
     "validation accuracy per epoch"),
    ("We recorded the mAP scores in each epoch.", "mAP per epoch"),
])
def test_a_metric_followed_over_the_epochs_is_monitoring(text, value):
    assert run(text, "training")["training_monitoring"] == [value]


@pytest.mark.parametrize("text", [
    "The overall cross-validation accuracy is estimated by aggregating the residuals over folds.",
    "The texture features performed poorly, having a validation accuracy of 19.1% on the test sets.",
    "The validation accuracy was >98% on species level.",
])
def test_a_validation_score_reported_as_a_result_is_no_monitoring(text):
    assert "training_monitoring" not in run(text, "training")


def test_tuning_libraries_are_software_too():
    out = run("The search was implemented in the Hyperopt package (V.0.2.7) and KerasTuner.",
              "software")
    assert out["frameworks"] == ["Hyperopt", "Keras Tuner"]


def test_a_k_fold_spelled_out_is_one_value_with_its_digits():
    out = run("We performed 5-fold cross-validation on the first dataset. Our contributions "
              "include a five-fold cross-validation study.", "evaluation")
    assert out["generalizability"] == ["5-fold cross-validation"]


def test_a_rows_number_before_the_next_rows_label_is_no_training_length():
    # settings rows a PDF ran into one line
    out = run("Optimizer: AdamW Weight decay: 1e-2 Batch size: 64 Epochs: 50 Dropout: 0.3",
              "training")
    assert "epochs = 64" not in [v.lower() for v in out.get("stopping_criteria", [])]
    assert "epochs = 50" in out["hyperparameters"]


@pytest.mark.parametrize("text", [
    "Heights were compared with the field plots using the accuracy metrics RMSE and R2.",
    "The detector reached a high level of accuracy in terms of average precision.",
    "Cross-validation was used to assess the predictive accuracy of each zoning method.",
    "The transcriptions were checked twice to ensure the accuracy of the labels.",
])
def test_accuracy_as_the_quality_other_metrics_measure_is_no_metric(text):
    assert "accuracy" not in run(text, "evaluation").get("evaluation_metrics", [])


def test_a_dimension_written_before_a_model_with_a_space_is_part_of_its_name():
    out = run("We compared against a plain 1D CNN with three blocks and a 3D U-Net.", "model")
    assert out["model_architecture"] == ["1D CNN", "3D U-Net"]


def test_seasonal_arima_is_a_model_of_its_own():
    out = run("The network was compared with ARIMA, SARIMA and exponential smoothing.", "model")
    assert {"ARIMA", "SARIMA"} <= set(out["model_architecture"])


@pytest.mark.parametrize("text,value", [
    ("The engine runs on an NVIDIA Jetson Nano module fixed under the drone.", "NVIDIA Jetson"),
    ("The container runs on a CPU-only on-premises server at the field station.",
     "on-premises server"),
    ("The classifier is deployed on a Raspberry Pi in each nest box.", "Raspberry Pi"),
])
def test_the_studys_system_where_it_runs_in_the_present_tense_is_its_deployment(text, value):
    assert run(text, "model")["deployment_platform"] == [value]


def test_a_tool_that_runs_somewhere_in_general_is_no_deployment():
    assert "deployment_platform" not in run("TensorFlow Lite runs on Android smartphones and "
                                            "many other small devices.", "model")


@pytest.mark.parametrize("text,values", [
    ("The trained detector was exported as a TensorFlow SavedModel and wrapped in a Docker "
     "container that reads the camera stream.", ["exported as TensorFlow SavedModel",
                                                 "Docker container"]),
    ("Finally, the classifier was saved as a binary pickle file for the field team.",
     ["saved as binary pickle file"]),
    ("FrogNet is distributed as a pip-installable Python package.", ["Python package"]),
    # in the paper's words, not a category's
    ("The small model was embedded in an Android application that shows each call.",
     ["Android application"]),
])
def test_how_the_model_was_packaged_for_use_is_its_deployment(text, values):
    assert run(text, "model")["deployment_process"] == values


@pytest.mark.parametrize("text,value", [
    # the labellers as the subject, in the past tense, with what they did
    ("Two radiologists (6 and 12 years of experience) independently delineated each tumour "
     "in 3D Slicer.", "3D Slicer"),
    # a tool outside the vocabulary, named as the tool the labels were made with
    ("Frames were annotated with boxes by three students using the open-source "
     "PondMarker tool.", "PondMarker"),
    ("The tumour labels were corrected in ITK-SNAP.", "ITK-SNAP"),
])
def test_labelling_tools_and_the_people_who_labelled(text, value):
    assert value in run(text, "data")["annotation_methods"]


@pytest.mark.parametrize("text,value", [
    ("We chose the threshold that maximises kappa on the validation set and kept it for the "
     "test set.", "threshold maximising validation kappa"),
    ("A per-class threshold that maximised the F1 score on the validation fold was applied.",
     "per-class threshold maximising validation F1"),
    # a step named with what it did, in a sentence whose verbs are the step's own
    ("Finally, a connected component analysis retained the largest pond in each mask.",
     "connected component analysis"),
])
def test_thresholds_chosen_on_validation_and_cleaning_of_outputs_are_postprocessing(text, value):
    assert value in run(text, "evaluation")["postprocessing"]


@pytest.mark.parametrize("text,value", [
    ("We used the public PondSound-24 data set for all sites.", "public dataset (PondSound-24)"),
    ("We collected posts from six forums through the official Reddit API.", "Reddit API"),
    ("The reference atlas was downloaded as one file from CZ CELLxGENE Discover.",
     "downloaded from CZ CELLxGENE Discover"),
])
def test_public_data_sets_interfaces_and_portals_are_how_data_was_obtained(text, value):
    assert value in run(text, "data")["data_collection"]


@pytest.mark.parametrize("text,value", [
    ("The model was evaluated on a pond-disjoint test set from the following year.",
     "pond-disjoint test set"),
    ("To avoid leakage between nearby nights, the split is made at the recording level.",
     "recording-level split"),
    ("We report results under site-level and region-level splits.", "site-level split"),
    ("Molecules were divided with a scaffold split.", "scaffold split"),
])
def test_data_kept_apart_by_unit_is_a_test_of_generalisation(text, value):
    assert value in run(text, "evaluation")["generalizability"]


def test_a_resource_released_by_others_is_not_this_studys():
    assert "datasets" not in run("A larger benchmark, PondBench-9 [8], was released by Okafor "
                                 "et al. to make comparisons easier.", "data")
    assert run("We used the PondBench-9 benchmark for all experiments.",
               "data")["datasets"] == ["PondBench-9"]


def test_a_data_sets_name_with_a_year_is_no_citation():
    out = run("PondCalls-2023 recordings are listed by the survey, and a copy is archived on "
              "Zenodo at https://doi.org/10.5281/zenodo.1234567.", "availability")
    assert out["data_repository_platform"] == ["Zenodo"]
    assert "model_architecture" not in run("Okafor 2019 trained ResNet-50 on frog calls.", "model")


@pytest.mark.parametrize("text,value", [
    ("The recordings are hosted on PhysioNet.", "PhysioNet"),
    ("Both data sets are available from the UCI Machine Learning Repository.",
     "UCI Machine Learning Repository"),
])
def test_archives_of_other_fields_host_data(text, value):
    assert run(text, "availability")["data_repository_platform"] == [value]


@pytest.mark.parametrize("text,value", [
    ("We report 95% bootstrap confidence intervals from 1,000 resamples of the test set.",
     "95% bootstrap confidence intervals"),
    ("Differences between systems were tested with an approximate randomization test.",
     "approximate randomisation test"),
    ("Call rates of the three ponds were compared with the Kruskal–Wallis test.",
     "Kruskal-Wallis test"),
])
def test_significance_tests_and_confidence_intervals_are_reported_with_metrics(text, value):
    assert value in run(text, "evaluation")["evaluation_metrics"]


def test_an_r_package_is_one_value_and_never_its_citations_author():
    out = run("Diversity was mapped with the pondiv R package Okafor et al., 2021, and models "
              "were tuned with caret (R package “caret”) using cross-validation.", "software")
    assert sorted(out["frameworks"]) == ["R package caret", "R package pondiv"]


@pytest.mark.parametrize("text,value", [
    ("The loss was weighted by the inverse square root of the class frequency.",
     "loss weighted by inverse square root of class frequency"),
    ("We weighted the classification loss of each call type by the inverse square root of its "
     "frequency.", "loss weighted by inverse square root of frequency"),
    # present tense, a known value
    ("First, the cross-entropy loss is weighted by the inverse class frequency.",
     "inverse class frequency"),
])
def test_a_loss_weighted_against_class_frequency_handles_imbalance(text, value):
    assert run(text, "data")["bias_handling"] == [value]


def test_a_metric_computed_on_held_out_data_every_few_epochs_is_monitoring():
    out = run("Every 5 epochs we computed the IoU score on the validation set, and the losses "
              "were plotted.", "training")
    assert "IoU on validation set every 5 epochs" in out["training_monitoring"]


@pytest.mark.parametrize("text,values", [
    ("Speed is measured by the frame rate (FPS) and latency on the Jetson Nano with batch "
     "size 1.", ["latency"]),
    ("Latency is measured as the mean time per recording on one CPU core.", ["latency"]),
    # a latency named by what it times is the one the paper means
    ("Latency was measured on the phone. Mean inference latency was 12 ms.",
     ["inference latency"]),
])
def test_speed_measured_on_hardware_is_a_metric(text, values):
    assert sorted(run(text, "evaluation")["evaluation_metrics"]) == sorted(values)


def test_a_latency_not_measured_is_no_metric():
    assert "latency" not in run("Earlier detectors were never tested without measuring latency "
                                "on field hardware.", "evaluation").get("evaluation_metrics", [])


@pytest.mark.parametrize("text,value", [
    ("The detector runs at 20 FPS with a module power draw of 9.5 W.", "power draw"),
    ("The app increased battery consumption by about 2% per hour.", "battery consumption"),
])
def test_power_or_energy_use_reported_as_a_number_is_a_metric(text, value):
    assert value in run(text, "evaluation")["evaluation_metrics"]
    # a recorder's low power use, with no number, is no metric
    assert "evaluation_metrics" not in run("The recorders have a low power consumption, which "
                                           "suits remote ponds.", "evaluation")


def test_cocos_average_precision_of_one_object_size_is_a_metric():
    out = run("We report AP50, AP75 and APs for small objects.", "evaluation")
    assert "APs" in out["evaluation_metrics"]
    # a plural of AP is not
    assert "APs" not in run("The APs of all classes were averaged into the mAP.",
                            "evaluation").get("evaluation_metrics", [])


@pytest.mark.parametrize("text,field,value", [
    ("To pick the regressor for each stage, grid search (Ivanova and Holt, 2018) is employed.",
     "hyperparameter_tuning", "grid search"),
    ("Random search is adopted to set the dropout rate.", "hyperparameter_tuning", "random search"),
])
def test_methods_in_the_present_passive_are_this_studys(text, field, value):
    assert value in run(text, "training")[field]
    # a general claim in the present tense is not
    assert field not in run("Grid search is a common way to choose settings.", "training")


@pytest.mark.parametrize("text,values", [
    ("We report precision, mAP50 and mAP50\u201395 on the test images.",
     ["precision", "mAP50", "mAP50\u201395"]),
    ("The detector reached a mAP@0.5 of 0.88 and a mAP@0.5:0.95 of 0.57.",
     ["mAP@0.5", "mAP@0.5:0.95"]),
    # with no threshold named, the mean average precision is plain mAP
    ("We report the mean average precision (mAP) of every detector.", ["mAP"]),
])
def test_map_at_named_iou_thresholds_are_separate_metrics(text, values):
    assert sorted(run(text, "evaluation")["evaluation_metrics"]) == sorted(values)
